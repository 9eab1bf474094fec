"""The lease: what a successful server check leaves on this device, and its sealed file format.

A lease is everything the guard needs to decide offline: which license, for which product and
device, who it belongs to, when it expires, when the server last confirmed it, which features it
grants, and the highest time this device has ever seen (to notice a clock turned back).

On disk a lease is *sealed*: AES-256-GCM under a key derived (HKDF-SHA256) from the device's raw
identifier, the app id and the product id. Copying the file to another machine, pointing it at
another product or changing a single byte makes it fail to open. The header is the associated
data, so the format version cannot be swapped either::

    b"LGLEASE" | version (1 byte) | nonce (12) | ciphertext | tag (16)

The plaintext is UTF-8 JSON with a ``"v"`` field. :func:`seal_lease` and :func:`open_lease` are the
only way in and out; :func:`open_lease` checks the seal before it parses a byte of the content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from license_guard import crypto
from license_guard._record import Record, field, replace
from license_guard._redact import redact
from license_guard.clock import parse_iso8601
from license_guard.errors import LeaseError

__all__ = [
    "FORMAT_VERSION",
    "Lease",
    "Revocation",
    "lease_key",
    "open_lease",
    "seal_lease",
]

MAGIC = b"LGLEASE"
FORMAT_VERSION = 1
_HEADER = MAGIC + bytes([FORMAT_VERSION])
_KDF_SALT = b"license_guard/lease/v1"


class Revocation(Record):
    """The server's last "no", kept so the app stops at once, even offline."""

    reason: str  # the name of the LicenseDeniedError subclass, e.g. "LicenseBlockedError"
    message: str
    at: datetime


class Lease(Record):
    """One device's license, as last confirmed by the server. Times are aware UTC."""

    license_key: str = field(repr=False)
    product_id: str
    host_id: str
    backend: str
    activated_at: datetime
    verified_at: datetime
    highest_seen: datetime
    expires_at: datetime | None = None
    licensee_name: str | None = None
    licensee_email: str | None = None
    device_tag: str | None = None
    features: frozenset[str] = frozenset()
    revocation: Revocation | None = None
    signed_data: str | None = field(default=None, repr=False)
    """Server-signed proof kept exactly as issued (a Keygen machine file), if any."""
    offline_until: datetime | None = None
    """When the server-signed proof stops vouching for offline use (a machine file's expiry)."""
    air_gapped: bool = False
    """Activated from a file the vendor sent: the guard never asks the server about it."""
    clock_offset: timedelta = timedelta(0)
    """How far this device's clock was behind the server's at the last check (offline, the
    clock is read corrected by it, so a slow clock is not taken for one turned back)."""
    stalled_starts: int = 0
    """Starts in a row that found the clock not past ``highest_seen`` (a clock held still)."""
    server: str | None = None
    """The licensing server that vouched for this lease (``Backend.server``: its kind, normalised
    URL and, for Keygen, account). A guard configured for another server refuses the lease.
    ``None`` in a lease written before the field existed: the next start asks the server."""

    def __post_init__(self) -> None:
        for name in ("activated_at", "verified_at", "highest_seen"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"Lease.{name} must be timezone-aware")

    @property
    def key_hint(self) -> str:
        """The license key as it may be shown: its last four characters."""
        return redact(self.license_key)

    def seen(self, when: datetime) -> Lease:
        """This lease with *when* folded into the highest time seen."""
        if when <= self.highest_seen:
            return self
        return replace(self, highest_seen=when)

    def to_json(self) -> dict[str, Any]:
        """The plaintext form (version included) that :func:`seal_lease` encrypts."""
        revocation = self.revocation
        return {
            "v": FORMAT_VERSION,
            "license_key": self.license_key,
            "product_id": self.product_id,
            "host_id": self.host_id,
            "backend": self.backend,
            "activated_at": self.activated_at.isoformat(),
            "verified_at": self.verified_at.isoformat(),
            "highest_seen": self.highest_seen.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "licensee_name": self.licensee_name,
            "licensee_email": self.licensee_email,
            "device_tag": self.device_tag,
            "features": sorted(self.features),
            "revocation": None
            if revocation is None
            else {
                "reason": revocation.reason,
                "message": revocation.message,
                "at": revocation.at.isoformat(),
            },
            "signed_data": self.signed_data,
            "offline_until": self.offline_until.isoformat() if self.offline_until else None,
            "air_gapped": self.air_gapped,
            "clock_offset": self.clock_offset.total_seconds(),
            "server": self.server,
            "stalled_starts": self.stalled_starts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lease:
        """Rebuild a lease from :meth:`to_json` output.

        Raises:
            LeaseError: a field is missing or of the wrong type, or the version is unknown.
        """
        try:
            if data["v"] != FORMAT_VERSION:
                raise LeaseError(f"The license file has an unknown format version {data['v']!r}.")
            revocation = data["revocation"]
            return cls(
                license_key=_text(data["license_key"]),
                product_id=_text(data["product_id"]),
                host_id=_text(data["host_id"]),
                backend=_text(data["backend"]),
                activated_at=_time(data["activated_at"]),
                verified_at=_time(data["verified_at"]),
                highest_seen=_time(data["highest_seen"]),
                expires_at=_time(data["expires_at"]) if data["expires_at"] else None,
                licensee_name=_optional_text(data["licensee_name"]),
                licensee_email=_optional_text(data["licensee_email"]),
                device_tag=_optional_text(data["device_tag"]),
                features=frozenset(_text(item) for item in data["features"]),
                revocation=None
                if revocation is None
                else Revocation(
                    reason=_text(revocation["reason"]),
                    message=_text(revocation["message"]),
                    at=_time(revocation["at"]),
                ),
                signed_data=_optional_text(data.get("signed_data")),
                # Leases written before these two fields existed have neither.
                offline_until=_time(data["offline_until"]) if data.get("offline_until") else None,
                air_gapped=_flag(data.get("air_gapped", False)),
                clock_offset=_seconds(data.get("clock_offset", 0)),
                # Leases written before the server was recorded have none (see Lease.server).
                server=_optional_text(data.get("server")),
                stalled_starts=_count(data.get("stalled_starts", 0)),
            )
        except LeaseError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LeaseError("The license file is incomplete or malformed.") from exc


def lease_key(raw_device_id: str, *, app_id: str, product_id: str) -> bytes:
    """The sealing key of a lease: bound to this device, this app and this product."""
    info = b"\x00".join((app_id.encode(), product_id.encode()))
    return crypto.derive_key(raw_device_id.encode(), salt=_KDF_SALT, info=info)


def seal_lease(lease: Lease, key: bytes) -> bytes:
    """The bytes of the lease file for *lease*, sealed under *key* (see :func:`lease_key`)."""
    plaintext = json.dumps(lease.to_json(), separators=(",", ":"), sort_keys=True).encode()
    return _HEADER + crypto.seal(key, plaintext, associated_data=_HEADER)


def open_lease(blob: bytes, key: bytes) -> Lease:
    """Verify and decode a lease file.

    Raises:
        LeaseError: the file is not a lease, is of an unknown version, is truncated, was sealed
            on another device or for another product, or was edited.
    """
    if not blob.startswith(MAGIC):
        raise LeaseError("The license file is not a license_guard lease.")
    header, sealed = blob[: len(_HEADER)], blob[len(_HEADER) :]
    if header != _HEADER:
        version = header[len(MAGIC)] if len(header) > len(MAGIC) else None
        raise LeaseError(f"The license file has an unsupported format version ({version}).")
    try:
        plaintext = crypto.open_sealed(key, sealed, associated_data=_HEADER)
    except crypto.CryptoError as exc:
        raise LeaseError(
            "The license file was changed, damaged, or made on another computer."
        ) from exc
    try:
        data = json.loads(plaintext)
    except ValueError as exc:  # authenticated but unparsable: a bug of ours, still not trusted
        raise LeaseError("The license file's content could not be read.") from exc
    if not isinstance(data, dict):
        raise LeaseError("The license file's content could not be read.")
    return Lease.from_json(data)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("expected a count")
    return value


def _time(value: object) -> datetime:
    return parse_iso8601(_text(value))


def _seconds(value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("expected a number of seconds")
    return timedelta(seconds=value)
