"""The offline decision: given a lease and the time, is the app licensed, and must it ask online?

This is a pure function of its inputs (no clock, disk or network), so every rule is tested
directly and the guard, the gate and the CLI all decide the same way:

1. a revoked lease (the server said no) is denied;
2. a local clock more than ``clock_tolerance`` behind the highest time seen is a rollback,
   unless the time comes from the server in this session;
3. decisions use the latest of the clock and the highest time seen, so turning the clock back
   a little never buys time;
4. past the license's own expiry: expired;
5. past ``verified_at + grace_period``: the grace is over;
6. past ``verified_at + revalidate_every``: still licensed, in grace, and an online check is due.

A lease holding a server-signed offline proof (a Keygen machine file) also ends its grace when
that proof expires (``offline_until``). A lease activated from a file on an air-gapped computer
has no server to ask: the signed file's own window replaces the grace period and the checks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from license_guard import errors
from license_guard._record import Record
from license_guard.clock import LATEST, later
from license_guard.errors import (
    ClockRollbackError,
    ConfigurationError,
    GracePeriodExpiredError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
)
from license_guard.lease import Lease
from license_guard.messages import human  # one way to write a duration, everywhere
from license_guard.status import LicenseState, LicenseStatus

__all__ = ["Policy", "Verdict", "judge"]

# Longer than any license or grace a vendor means; keeps every sum of times representable.
LONGEST = timedelta(days=3660)


class Policy(Record):
    """The vendor's offline rules."""

    grace_period: timedelta = timedelta(days=7)
    revalidate_every: timedelta = timedelta(hours=24)
    clock_tolerance: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        for name, zero_allowed in (
            ("grace_period", False),
            ("revalidate_every", False),
            ("clock_tolerance", True),
        ):
            value = getattr(self, name)
            if not isinstance(value, timedelta) or value > LONGEST:
                raise ConfigurationError(
                    f"{name} must be a timedelta of at most {LONGEST.days} days."
                )
            if value < timedelta(0) or (value == timedelta(0) and not zero_allowed):
                allowed = "zero or positive" if zero_allowed else "positive"
                raise ConfigurationError(f"{name} must be {allowed}.")


class Verdict(Record):
    """The outcome of :func:`judge`.

    Attributes:
        error: what to raise when the state is not licensed, else ``None``.
        now: the time the decision used (never earlier than the highest time seen).
        check_due: whether the guard should ask the server now.
        changes_at: the next time this verdict could change by time alone.
    """

    state: LicenseState
    error: LicenseError | None
    now: datetime
    verified_at: datetime
    grace_until: datetime
    next_check_at: datetime
    check_due: bool
    changes_at: datetime | None

    def status_of(self, lease: Lease) -> LicenseStatus:
        """The status snapshot of *lease* under this verdict."""
        detail = self.detail
        if lease.air_gapped and self.error is None:
            until = (
                "with no end date"
                if self.grace_until >= LATEST
                else f"until {self.grace_until:%Y-%m-%d %H:%M} UTC"
            )
            detail = f"Licensed from a signed license file (activated without the server), {until}."
        return LicenseStatus(
            state=self.state,
            detail=detail,
            host_id=lease.host_id,
            checked_at=self.now,
            key_hint=lease.key_hint,
            licensee_name=lease.licensee_name,
            licensee_email=lease.licensee_email,
            device_tag=lease.device_tag,
            expires_at=lease.expires_at,
            verified_at=lease.verified_at,
            grace_until=self.grace_until,
            next_check_at=self.next_check_at,
            features=lease.features,
            air_gapped=lease.air_gapped,
        )

    @property
    def detail(self) -> str:
        """One sentence about the state, for people."""
        if self.error is not None:
            return str(self.error)
        if self.state is LicenseState.GRACE:
            left = self.grace_until - self.now
            return (
                f"Licensed; not confirmed by the licensing server since "
                f"{self.verified_at:%Y-%m-%d %H:%M} UTC. The app keeps working offline for "
                f"{human(left)} (until {self.grace_until:%Y-%m-%d %H:%M} UTC)."
            )
        return "Licensed and confirmed by the licensing server."


def judge(lease: Lease, now: datetime, policy: Policy, *, trusted: bool = False) -> Verdict:
    """Decide what *lease* allows at *now*.

    Args:
        trusted: *now* comes from the server (this session), so it cannot be a rolled-back clock.
    """
    grace_until, next_check_at = _windows(lease, policy)
    effective = max(now, lease.highest_seen)

    def verdict(
        state: LicenseState, error: LicenseError | None, changes_at: datetime | None = None
    ) -> Verdict:
        return Verdict(
            state=state,
            error=error,
            now=effective,
            verified_at=lease.verified_at,
            grace_until=grace_until,
            next_check_at=next_check_at,
            check_due=effective >= next_check_at or error is not None,
            changes_at=changes_at,
        )

    if lease.revocation is not None:
        return verdict(LicenseState.DENIED, revived_denial(lease))
    if not trusted and now < lease.highest_seen - policy.clock_tolerance:
        return verdict(
            LicenseState.CLOCK_ROLLBACK,
            ClockRollbackError(
                f"The computer's clock says {now:%Y-%m-%d %H:%M} UTC, earlier than "
                f"{lease.highest_seen:%Y-%m-%d %H:%M} UTC which this app has already seen. Set "
                "the correct date and time, or connect to the internet so the license can be "
                "checked.",
                now=now,
                highest_seen=lease.highest_seen,
            ),
        )
    if lease.expires_at is not None and effective >= lease.expires_at:
        return verdict(
            LicenseState.EXPIRED,
            LicenseExpiredError(
                f"This license expired on {lease.expires_at:%Y-%m-%d}. Renew it to keep using "
                "the app.",
                expired_at=lease.expires_at,
            ),
        )
    limits = [grace_until] if lease.expires_at is None else [grace_until, lease.expires_at]
    if effective >= grace_until:
        return verdict(
            LicenseState.GRACE_EXPIRED,
            GracePeriodExpiredError(
                f"The license file of this offline computer expired on "
                f"{grace_until:%Y-%m-%d %H:%M} UTC. Ask the vendor for a new one and activate "
                "with it."
                if lease.air_gapped
                else f"The licensing server has not been reached since "
                f"{lease.verified_at:%Y-%m-%d %H:%M} UTC and the offline grace period ended on "
                f"{grace_until:%Y-%m-%d %H:%M} UTC. Connect to the internet and try again.",
                grace_until=grace_until,
            ),
        )
    if effective >= next_check_at:
        return verdict(LicenseState.GRACE, None, min(limits))
    return verdict(LicenseState.ACTIVE, None, min([*limits, next_check_at]))


def _windows(lease: Lease, policy: Policy) -> tuple[datetime, datetime]:
    """``(grace_until, next_check_at)`` of *lease*."""
    if lease.air_gapped:
        until = lease.offline_until or LATEST
        return until, until
    grace_until = later(lease.verified_at, policy.grace_period)
    if lease.offline_until is not None:
        grace_until = min(grace_until, lease.offline_until)
    return grace_until, min(later(lease.verified_at, policy.revalidate_every), grace_until)


def revived_denial(lease: Lease) -> LicenseError:
    """The error the server gave when it revoked *lease*, rebuilt from the lease."""
    revocation = lease.revocation
    if revocation is None:
        raise ValueError("lease is not revoked")
    error_class = getattr(errors, revocation.reason, None)
    if not (isinstance(error_class, type) and issubclass(error_class, LicenseDeniedError)):
        error_class = LicenseDeniedError
    return error_class(revocation.message)
