"""A license or machine file that passed every check: its payload, its text, its time window."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from license_guard._record import Record, field
from license_guard.backends.keygen.formats.dataset import Dataset, Resource
from license_guard.clock import utc
from license_guard.errors import ClockRollbackError, LeaseError

__all__ = ["MAX_CLOCK_DRIFT", "FileKind", "VerifiedFile"]

#: How far ``meta.issued`` may lie ahead of this device's clock (keygen-go's ``MaxClockDrift``).
MAX_CLOCK_DRIFT = timedelta(minutes=5)


class FileKind(enum.Enum):
    """Which of Keygen's two offline files: the value is the prefix of its signed message."""

    LICENSE = "license"
    MACHINE = "machine"

    @property
    def label(self) -> str:
        """``"license file"`` or ``"machine file"``, for messages."""
        return f"{self.value} file"

    @property
    def resource_type(self) -> str:
        """The JSON:API type of the file's main resource: ``licenses`` or ``machines``."""
        return f"{self.value}s"


class VerifiedFile(Record):
    """A genuine, decoded license or machine file, bound to the license key (and device) given.

    ``certificate`` is the text exactly as issued, to be stored as is and verified again on
    every load. Expiry is reported here, never raised by the verifying call, so that an expired
    file can still be read (a caller may grant grace); :meth:`require_current` raises.
    """

    kind: FileKind
    algorithm: str
    dataset: Dataset
    certificate: str = field(repr=False)

    @property
    def license(self) -> Resource | None:
        """The license resource: the file's own data for a license file; for a machine file the
        included license (None when the file was checked out without ``include=license``)."""
        if self.kind is FileKind.LICENSE:
            return self.dataset.data
        related = self.dataset.find_included("licenses", self.dataset.data.related_id("license"))
        return related[0] if related else None

    @property
    def entitlements(self) -> frozenset[str]:
        """The entitlement codes the file grants (``included`` entitlements' ``code``)."""
        return self.dataset.entitlements

    def is_expired(self, now: datetime) -> bool:
        """True when the file has an expiry and *now* has reached it (a null TTL never expires).

        A naive *now* is taken to be UTC.
        """
        expiry = self.dataset.meta.expiry
        return expiry is not None and utc(now) >= expiry

    def issued_in_future(self, now: datetime, tolerance: timedelta = MAX_CLOCK_DRIFT) -> bool:
        """True when ``meta.issued`` lies more than *tolerance* after *now*: this device's clock
        is behind the server's (set back, or never synchronised)."""
        return self.dataset.meta.issued - utc(now) > tolerance

    def require_current(self, now: datetime, *, tolerance: timedelta = MAX_CLOCK_DRIFT) -> None:
        """Raise unless the file may be used at *now*.

        Raises:
            ClockRollbackError: the file was issued more than *tolerance* after *now*.
            LeaseError: the file has expired (check out a new one).
        """
        issued = self.dataset.meta.issued
        if self.issued_in_future(now, tolerance):
            raise ClockRollbackError(
                f"This device's clock ({utc(now):%Y-%m-%d %H:%M} UTC) is behind the time the "
                f"{self.kind.label} was issued ({issued:%Y-%m-%d %H:%M} UTC). "
                "Set the correct date and time, then try again.",
                now=utc(now),
                highest_seen=issued,
            )
        expiry = self.dataset.meta.expiry
        if expiry is not None and self.is_expired(now):
            raise LeaseError(
                f"The {self.kind.label} expired on {expiry:%Y-%m-%d %H:%M} UTC. Connect to the "
                "internet so that a new one can be checked out."
            )
