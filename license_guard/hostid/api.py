"""The host-ID contract: identity sources, the salted host ID and the walk down the chain.

A *raw ID* is what a source reads from this device (an OS machine ID, a MAC address, a stored
install ID). It never leaves the device: what is sent, stored and shown is the *host ID*,
``hex(HMAC-SHA256(key=raw_id, msg=app_id))``, so every app sees a different, unlinkable value.
The guard also keeps the raw ID in memory to derive its lease key; it is never in a ``repr``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable

from license_guard._record import Record, field
from license_guard.crypto import hmac_sha256
from license_guard.errors import ConfigurationError, HostIdError

__all__ = [
    "DEVICE_ID_ENV_VAR",
    "DEVICE_ID_HINT",
    "HostIdentity",
    "IdentitySource",
    "resolve_host_identity",
    "salted_host_id",
    "sanitize_raw_id",
]

DEVICE_ID_ENV_VAR = "LICENSE_GUARD_DEVICE_ID"
#: How an error tells the user to give a device ID: only the app (its own setting) or an explicit
#: command-line flag may set one, never a variable any user can export.
DEVICE_ID_HINT = (
    "give the app a device ID unique to this computer (its own device ID setting, or "
    "license-guard --device-id)"
)
"""The environment variable that overrides the device's raw ID (containers, cloned images)."""

# py-machineid 1.0 removes exactly these from every raw ID: C0 and C1 control characters and all
# Unicode whitespace. Doing the same keeps our host IDs equal to its hashed_id().
_NOT_PART_OF_AN_ID = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")


def sanitize_raw_id(value: str) -> str:
    """*value* without control characters and whitespace, as py-machineid 1.0 cleans an ID.

    >>> sanitize_raw_id(" 3d1219c7c4c5404aaa1f6d2a48adfda4\\n")
    '3d1219c7c4c5404aaa1f6d2a48adfda4'
    """
    return _NOT_PART_OF_AN_ID.sub("", value)


class IdentitySource(ABC):
    """One place a raw device ID can come from.

    ``name`` is a short label reported as :attr:`HostIdentity.source` (``"override"``,
    ``"machine-id"``, ``"mac"``, ``"install-id"`` for the built-in sources). A source must not
    put the raw ID in its ``repr``, in an exception message or in a log.
    """

    name: str

    @abstractmethod
    def read(self) -> str | None:
        """The raw ID, already sanitized; ``None`` (or ``""``) when this source has none here.

        Raises :class:`HostIdError` when the source exists but cannot be used right now (a
        command that timed out, a damaged file): falling through to the next source would give
        this device a different ID, so the chain stops instead.
        """


class HostIdentity(Record, kw_only=True):
    """Who this device is for one app.

    ``host_id`` (64 lowercase hex characters) is safe to send and show. ``raw_id`` is the
    unsalted identifier, for local key derivation only: it is left out of ``repr`` and ``str``.
    """

    host_id: str
    source: str
    raw_id: str = field(repr=False)


def salted_host_id(raw_id: str, app_id: str) -> str:
    """``hex(HMAC-SHA256(key=raw_id, msg=app_id))``: 64 lowercase hex characters.

    The same value as py-machineid 1.0's ``hashed_id(app_id)`` and Keygen machineid's
    ``ProtectedID(app_id)`` for the same raw ID. Raises :class:`ConfigurationError` when
    *app_id* is not a non-empty string and :class:`HostIdError` when *raw_id* is empty.
    """
    _require_app_id(app_id)
    if not raw_id:
        raise HostIdError("There is no device identifier to derive a host ID from.")
    return hmac_sha256(raw_id.encode(), app_id.encode()).hex()


def resolve_host_identity(app_id: str, sources: Iterable[IdentitySource]) -> HostIdentity:
    """The identity from the first of *sources* that has a raw ID, salted with *app_id*.

    Sources are read in order and lazily: once one answers, the rest are never consulted.
    Raises :class:`ConfigurationError` for an invalid *app_id* (before any source is read), and
    :class:`HostIdError` when a source fails (an ``OSError`` is translated here) or none answers.
    """
    _require_app_id(app_id)
    tried: list[str] = []
    for source in sources:
        try:
            raw_id = source.read()
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise HostIdError(
                f"This device's {source.name} could not be read ({reason}). Try again, or"
                f" {DEVICE_ID_HINT}."
            ) from exc
        if raw_id:
            return HostIdentity(
                host_id=salted_host_id(raw_id, app_id), source=source.name, raw_id=raw_id
            )
        tried.append(source.name)
    raise HostIdError(
        f"No stable identity was found for this device (tried: {', '.join(tried) or 'nothing'})."
        f" To go on, {DEVICE_ID_HINT}."
    )


def _require_app_id(app_id: object) -> None:
    if not isinstance(app_id, str) or not app_id.strip():
        raise ConfigurationError(
            "The app id must be a non-empty string, such as your app's bundle id 'com.example.app'."
        )
