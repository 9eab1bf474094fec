"""The decoded payload of a license or machine file: JSON:API resources plus issue/expiry meta.

A Keygen file decrypts to ``{"data": {...}, "included": [...], "meta": {"issued", "expiry",
"ttl"}}``. :func:`parse_dataset` turns those bytes into the frozen values below; it is only ever
called on bytes whose signature has already been checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from license_guard._record import Record, field
from license_guard.backends.keygen.formats._codec import loads_json_object

__all__ = ["Dataset", "FileMeta", "Resource", "parse_dataset", "parse_timestamp"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Resource(Record):
    """One JSON:API resource object, e.g. ``("licenses", "<uuid>", {...})``.

    ``attributes`` and ``relationships`` are read-only views of the decoded JSON. They are left
    out of ``repr`` because a license's attributes hold its key in full.
    """

    type: str
    id: str
    attributes: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, hash=False)
    relationships: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, hash=False)

    def related_id(self, name: str) -> str | None:
        """The id in ``relationships[name].data.id``, or None when there is none."""
        relationship = self.relationships.get(name)
        data = relationship.get("data") if isinstance(relationship, Mapping) else None
        ident = data.get("id") if isinstance(data, Mapping) else None
        return ident if isinstance(ident, str) else None


class FileMeta(Record):
    """When the file was issued and until when it may be used.

    ``expiry`` is Keygen's own value: it is **not** ``issued + ttl`` seconds, because Keygen adds
    the TTL as calendar units (months, weeks, days...). ``ttl is None`` (and then ``expiry is
    None``) means the file never expires.
    """

    issued: datetime
    expiry: datetime | None
    ttl: int | None


class Dataset(Record):
    """A decoded file payload: the main resource, the included ones, the meta and the raw bytes."""

    data: Resource
    included: tuple[Resource, ...]
    meta: FileMeta
    plaintext: bytes = field(repr=False, compare=False)

    @property
    def entitlements(self) -> frozenset[str]:
        """The ``code`` of every included ``entitlements`` resource (the features granted)."""
        codes = (res.attributes.get("code") for res in self.included if res.type == "entitlements")
        # A code that is not text is skipped: it cannot name a feature, and granting less is safe.
        return frozenset(code for code in codes if isinstance(code, str))

    def find_included(self, type_: str, id_: str | None = None) -> tuple[Resource, ...]:
        """The included resources of *type_* (and of id *id_* when given), in file order."""
        return tuple(
            res for res in self.included if res.type == type_ and (id_ is None or res.id == id_)
        )


def parse_timestamp(value: object) -> datetime:
    """Parse Keygen's ISO-8601 timestamp (``2022-04-01T13:18:09.930Z``) to an aware UTC datetime.

    Raises:
        ValueError: *value* is not text, not ISO-8601, or has no time zone.
    """
    if not isinstance(value, str):
        raise ValueError("a timestamp must be text")
    # Python 3.10's fromisoformat does not read a trailing "Z".
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        # Not fromisoformat's own message: it quotes the value.
        raise ValueError("a timestamp is not ISO-8601") from exc
    if parsed.tzinfo is None:
        raise ValueError("a timestamp must carry a time zone")
    return parsed.astimezone(timezone.utc)


def parse_dataset(plaintext: bytes) -> Dataset:
    """Decode a verified file payload.

    Raises:
        ValueError: the bytes are not the JSON document Keygen writes (missing ``data`` or
            ``meta``, a resource without type or id, a bad timestamp, a TTL without expiry...).
    """
    document = loads_json_object(plaintext)
    included = document.get("included", [])
    if not isinstance(included, list):
        raise ValueError("'included' is not a list")
    return Dataset(
        data=_resource(document.get("data"), "data"),
        included=tuple(_resource(item, "included") for item in included),
        meta=_meta(document.get("meta")),
        plaintext=plaintext,
    )


def _resource(value: object, where: str) -> Resource:
    if not isinstance(value, dict):
        raise ValueError(f"'{where}' holds something that is not a resource object")
    type_, id_ = value.get("type"), value.get("id")
    if not isinstance(type_, str) or not isinstance(id_, str):
        raise ValueError(f"a resource in '{where}' has no type or id")
    return Resource(
        type=type_,
        id=id_,
        attributes=_mapping(value.get("attributes"), where),
        relationships=_mapping(value.get("relationships"), where),
    )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if value is None:
        return _EMPTY
    if not isinstance(value, dict):
        raise ValueError(f"a resource in '{where}' has non-object attributes or relationships")
    return MappingProxyType(value)


def _meta(value: object) -> FileMeta:
    if not isinstance(value, dict):
        raise ValueError("'meta' is missing")
    issued = parse_timestamp(value.get("issued"))
    expiry_value, ttl = value.get("expiry"), value.get("ttl")
    if ttl is None and expiry_value is None:
        return FileMeta(issued=issued, expiry=None, ttl=None)
    # bool is an int in Python; a JSON true is not a number of seconds.
    if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0 or expiry_value is None:
        raise ValueError("'meta' has an expiry without a TTL, or a TTL without an expiry")
    return FileMeta(issued=issued, expiry=parse_timestamp(expiry_value), ttl=ttl)
