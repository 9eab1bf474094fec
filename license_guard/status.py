"""What the guard reports: the license state and a status snapshot an app can show."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from license_guard._record import Record

__all__ = ["LicenseState", "LicenseStatus", "SeatStatus"]


class LicenseState(str, Enum):
    """Where this device's license stands."""

    NOT_ACTIVATED = "not_activated"
    """No lease here: ask the user for a key."""
    ACTIVE = "active"
    """Confirmed by the server within ``revalidate_every``."""
    GRACE = "grace"
    """Not confirmed lately (offline, or the check is due); still licensed until ``grace_until``."""
    GRACE_EXPIRED = "grace_expired"
    """Offline for longer than the grace period: go online to continue."""
    EXPIRED = "expired"
    """The license itself has expired."""
    DENIED = "denied"
    """The server refused the license (blocked, device removed, ...)."""
    CLOCK_ROLLBACK = "clock_rollback"
    """The system clock is behind a time already seen: fix the clock or go online."""
    UNTRUSTED = "untrusted"
    """A lease is here but cannot be used: it is damaged or was made on another computer, or it
    does not fit these settings (another server, activation from a file). Reporting it changes
    nothing: the file stays where it is."""

    @property
    def is_licensed(self) -> bool:
        """Whether premium code may run in this state."""
        return self in (LicenseState.ACTIVE, LicenseState.GRACE)


class SeatStatus(Record):
    """The floating seat this process holds, as far as the licensing server said.

    Attributes:
        held_until: when the seat lapses unless the app renews it (its heartbeats do, while
            it runs and reaches the server).
        in_use: the seats in use on all computers, this one included, when the seat was
            taken (heartbeats do not update it); ``None`` when the server did not say.
        total: the license's seats, ``None`` when the server did not say.
    """

    held_until: datetime
    in_use: int | None = None
    total: int | None = None


class LicenseStatus(Record):
    """A snapshot of the license on this device. Safe to log and show: no key, no token.

    Attributes:
        state: the :class:`LicenseState`.
        detail: one sentence for the user about the state.
        host_id: this device's salted ID (what the vendor's dashboard lists).
        checked_at: the (trusted, where known) time this snapshot was taken at.
        key_hint: the license key's last four characters, e.g. ``"…7F3A"``.
        expires_at: when the license expires; ``None`` for never or unknown.
        verified_at: when the server last confirmed the license.
        grace_until: until when the app runs without reaching the server.
        next_check_at: when the guard will next want to ask the server.
        seat: the floating seat this process holds (a floating license only), else ``None``.
    """

    state: LicenseState
    detail: str
    host_id: str
    checked_at: datetime
    key_hint: str | None = None
    licensee_name: str | None = None
    licensee_email: str | None = None
    device_tag: str | None = None
    expires_at: datetime | None = None
    verified_at: datetime | None = None
    grace_until: datetime | None = None
    next_check_at: datetime | None = None
    features: frozenset[str] = frozenset()
    air_gapped: bool = False
    """Activated from a signed file the vendor sent; the server is never asked about it."""
    seat: SeatStatus | None = None

    @classmethod
    def not_activated(
        cls, host_id: str, now: datetime, *, detail: str | None = None
    ) -> LicenseStatus:
        """The status of a device without a (trusted) lease."""
        return cls(
            state=LicenseState.NOT_ACTIVATED,
            detail=detail or "This computer is not activated. Enter a license key.",
            host_id=host_id,
            checked_at=now,
        )

    @classmethod
    def untrusted(cls, host_id: str, now: datetime, *, detail: str) -> LicenseStatus:
        """The status of a device whose lease cannot be used (see ``LicenseState.UNTRUSTED``)."""
        return cls(state=LicenseState.UNTRUSTED, detail=detail, host_id=host_id, checked_at=now)

    @property
    def is_licensed(self) -> bool:
        """Whether premium code may run now."""
        return self.state.is_licensed

    @property
    def licensee(self) -> str | None:
        """The licensee's name, or e-mail when there is no name."""
        return self.licensee_name or self.licensee_email

    @property
    def grace_left(self) -> timedelta | None:
        """How long the app may still run offline (zero once over), when there is a lease."""
        if self.grace_until is None:
            return None
        return max(timedelta(0), self.grace_until - self.checked_at)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO 8601 times, sorted features) for ``status --json``."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        left = self.grace_left
        return {
            "state": self.state.value,
            "licensed": self.is_licensed,
            "detail": self.detail,
            "host_id": self.host_id,
            "checked_at": iso(self.checked_at),
            "key_hint": self.key_hint,
            "licensee_name": self.licensee_name,
            "licensee_email": self.licensee_email,
            "device_tag": self.device_tag,
            "expires_at": iso(self.expires_at),
            "verified_at": iso(self.verified_at),
            "grace_until": iso(self.grace_until),
            "grace_left_seconds": None if left is None else int(left.total_seconds()),
            "next_check_at": iso(self.next_check_at),
            "features": sorted(self.features),
            "air_gapped": self.air_gapped,
            "seat": None
            if self.seat is None
            else {
                "held_until": iso(self.seat.held_until),
                "in_use": self.seat.in_use,
                "total": self.seat.total,
            },
        }
