"""The lease's signed offline window, rule by rule (no clock, disk or network)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from license_guard._record import replace
from license_guard.errors import GracePeriodExpiredError, LeaseError
from license_guard.lease import Lease, lease_key, open_lease, seal_lease
from license_guard.policy import Policy, judge
from license_guard.status import LicenseState

T0 = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
POLICY = Policy(grace_period=timedelta(days=7), revalidate_every=timedelta(hours=24))
LEASE = Lease(
    license_key="C1B6DE-39A6E3-DE1529-8559A0-4AF593-V3",
    product_id="6e34d8ef-8dff-4507-8294-c063fbece9b7",
    host_id="f" * 64,
    backend="keygen",
    activated_at=T0,
    verified_at=T0,
    highest_seen=T0,
)


def test_the_proofs_expiry_ends_the_grace_early() -> None:
    lease = replace(LEASE, offline_until=T0 + timedelta(days=2))
    verdict = judge(lease, T0 + timedelta(days=1, hours=23), POLICY)
    assert verdict.state is LicenseState.GRACE
    assert verdict.grace_until == T0 + timedelta(days=2)
    verdict = judge(lease, T0 + timedelta(days=2), POLICY)
    assert verdict.state is LicenseState.GRACE_EXPIRED
    assert verdict.check_due


def test_a_proof_outliving_the_grace_changes_nothing() -> None:
    lease = replace(LEASE, offline_until=T0 + timedelta(days=30))
    assert judge(lease, T0 + timedelta(days=6), POLICY).state is LicenseState.GRACE
    assert judge(lease, T0 + timedelta(days=7), POLICY).state is LicenseState.GRACE_EXPIRED


def test_a_proof_expiring_before_the_next_check_brings_the_check_forward() -> None:
    lease = replace(LEASE, offline_until=T0 + timedelta(hours=2))
    verdict = judge(lease, T0 + timedelta(hours=1), POLICY)
    assert verdict.state is LicenseState.ACTIVE
    assert verdict.next_check_at == verdict.changes_at == T0 + timedelta(hours=2)


def test_an_air_gapped_lease_lives_as_long_as_its_file_and_never_asks() -> None:
    lease = replace(LEASE, air_gapped=True, offline_until=T0 + timedelta(days=90))
    verdict = judge(lease, T0 + timedelta(days=89), POLICY)
    assert verdict.state is LicenseState.ACTIVE
    assert not verdict.check_due
    verdict = judge(lease, T0 + timedelta(days=90), POLICY)
    assert verdict.state is LicenseState.GRACE_EXPIRED
    assert isinstance(verdict.error, GracePeriodExpiredError)
    assert "Ask the vendor for a new one" in str(verdict.error)


def test_an_air_gapped_lease_from_a_file_without_expiry_never_ends() -> None:
    lease = replace(LEASE, air_gapped=True)
    assert judge(lease, T0 + timedelta(days=3650), POLICY).state is LicenseState.ACTIVE


def test_the_new_fields_round_trip_and_old_leases_still_open() -> None:
    key = lease_key("machine", app_id="app", product_id=LEASE.product_id)
    lease = replace(LEASE, offline_until=T0 + timedelta(days=30), air_gapped=True)
    assert open_lease(seal_lease(lease, key), key) == lease
    old = LEASE.to_json()
    del old["offline_until"], old["air_gapped"]  # written before the fields existed
    assert Lease.from_json(old) == LEASE


def test_a_malformed_flag_is_refused() -> None:
    data = {**LEASE.to_json(), "air_gapped": "yes"}
    with pytest.raises(LeaseError, match="incomplete or malformed"):
        Lease.from_json(data)
