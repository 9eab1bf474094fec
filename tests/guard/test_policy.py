"""The offline decision, rule by rule, with explicit times (no clock, no disk, no network)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from license_guard.errors import (
    ClockRollbackError,
    ConfigurationError,
    DeviceDeactivatedError,
    GracePeriodExpiredError,
    LicenseDeniedError,
    LicenseExpiredError,
)
from license_guard.lease import Revocation
from license_guard.policy import Policy, judge
from license_guard.status import LicenseState

from .test_lease import T0, make_lease

POLICY = Policy(grace_period=timedelta(days=7), revalidate_every=timedelta(hours=24))


def test_fresh_lease_is_active_and_needs_no_check() -> None:
    verdict = judge(make_lease(), T0 + timedelta(hours=1), POLICY)
    assert verdict.state is LicenseState.ACTIVE
    assert verdict.error is None
    assert not verdict.check_due
    assert verdict.next_check_at == T0 + timedelta(hours=24)
    assert verdict.changes_at == T0 + timedelta(hours=24)


def test_after_revalidate_every_it_is_in_grace_and_a_check_is_due() -> None:
    verdict = judge(make_lease(), T0 + timedelta(hours=25), POLICY)
    assert verdict.state is LicenseState.GRACE
    assert verdict.check_due
    assert verdict.grace_until == T0 + timedelta(days=7)
    assert "5 days 23 hours" in verdict.detail


def test_grace_runs_out_exactly_at_its_end() -> None:
    lease = make_lease()
    assert judge(lease, T0 + timedelta(days=7, seconds=-1), POLICY).state is LicenseState.GRACE
    verdict = judge(lease, T0 + timedelta(days=7), POLICY)
    assert verdict.state is LicenseState.GRACE_EXPIRED
    assert isinstance(verdict.error, GracePeriodExpiredError)


def test_license_expiry_wins_over_grace() -> None:
    lease = make_lease(expires_at=T0 + timedelta(hours=2))
    verdict = judge(lease, T0 + timedelta(hours=3), POLICY)
    assert verdict.state is LicenseState.EXPIRED
    assert isinstance(verdict.error, LicenseExpiredError)
    assert verdict.check_due  # a renewal may have happened: worth asking


def test_a_license_without_expiry_never_expires() -> None:
    verdict = judge(make_lease(expires_at=None), T0 + timedelta(hours=1), POLICY)
    assert verdict.state is LicenseState.ACTIVE


def test_clock_turned_back_beyond_tolerance_is_a_rollback() -> None:
    lease = make_lease(highest_seen=T0 + timedelta(days=3))
    verdict = judge(lease, T0 + timedelta(days=3, minutes=-6), POLICY)
    assert verdict.state is LicenseState.CLOCK_ROLLBACK
    assert isinstance(verdict.error, ClockRollbackError)


def test_clock_turned_back_within_tolerance_buys_no_time() -> None:
    lease = make_lease(highest_seen=T0 + timedelta(days=7, minutes=-1))
    verdict = judge(lease, T0 + timedelta(days=7, minutes=-4), POLICY)
    # 4 minutes back is tolerated, but the decision uses the highest time seen.
    assert verdict.state is LicenseState.GRACE
    assert verdict.now == T0 + timedelta(days=7, minutes=-1)


def test_trusted_time_is_never_a_rollback() -> None:
    lease = make_lease(highest_seen=T0 + timedelta(days=3))
    verdict = judge(lease, T0 + timedelta(days=1), POLICY, trusted=True)
    assert verdict.state is LicenseState.GRACE


def test_a_revoked_lease_is_denied_with_its_reason() -> None:
    lease = make_lease(
        revocation=Revocation(reason="DeviceDeactivatedError", message="removed", at=T0)
    )
    verdict = judge(lease, T0, POLICY)
    assert verdict.state is LicenseState.DENIED
    assert isinstance(verdict.error, DeviceDeactivatedError)
    assert str(verdict.error) == "removed"


def test_an_unknown_revocation_reason_is_still_a_denial() -> None:
    lease = make_lease(revocation=Revocation(reason="os.system", message="x", at=T0))
    error = judge(lease, T0, POLICY).error
    assert type(error) is LicenseDeniedError


def test_grace_shorter_than_revalidation_moves_the_check_earlier() -> None:
    policy = Policy(grace_period=timedelta(hours=2), revalidate_every=timedelta(hours=24))
    verdict = judge(make_lease(), T0 + timedelta(hours=1), policy)
    assert verdict.next_check_at == T0 + timedelta(hours=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grace_period": timedelta(days=-1)},
        {"revalidate_every": timedelta(0)},
        {"clock_tolerance": timedelta(seconds=-1)},
    ],
)
def test_nonsense_policies_are_configuration_errors(kwargs: dict[str, timedelta]) -> None:
    with pytest.raises(ConfigurationError):
        Policy(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grace_period": timedelta(0)},  # no offline use at all: not even just after a check
        {"grace_period": timedelta.max},  # would overflow every sum of times
        {"grace_period": 7},
        {"revalidate_every": "24h"},
    ],
)
def test_unusable_policies_are_refused_up_front(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Policy(**kwargs)  # type: ignore[arg-type]
