"""The behaviour every backend must share, as tests: subclass :class:`BackendContract`.

::

    from contextlib import closing

    from license_guard.testing.contract import BackendContract
    from license_guard.testing.harness import KeygenHarness

    class TestKeygenContract(BackendContract):
        @pytest.fixture
        def harness(self, tmp_path):
            with closing(KeygenHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
                yield harness

The guard behaves the same whatever the backend: activation takes one seat, a fresh lease
starts with no network, a due check goes online, a denial revokes at once, an unreachable
server gives grace until it runs out, a clock turned back is refused, a tampered lease is set
aside, re-activation takes no extra seat, release frees the seat (and offline keeps the lease),
and features gate calls. This module needs no pytest plugin: the ``harness`` fixture is the
subclass's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from license_guard.errors import (
    ClockRollbackError,
    FeatureNotLicensedError,
    GracePeriodExpiredError,
    LeaseError,
    LicenseDeniedError,
    LicenseUnreachableError,
    NotActivatedError,
)
from license_guard.status import LicenseState
from license_guard.testing.harness import BackendHarness

__all__ = ["BackendContract"]

DAY = timedelta(days=1)


class BackendContract:
    """Contract tests; a subclass provides the ``harness`` fixture (a :class:`BackendHarness`)."""

    @pytest.fixture
    def harness(self) -> BackendHarness:
        """Override: return (or yield) the harness of the backend under test."""
        raise NotImplementedError("a BackendContract subclass must provide a harness fixture")

    def test_activation_takes_one_seat_and_stores_a_lease(self, harness: BackendHarness) -> None:
        guard = harness.make_guard()
        status = guard.activate(harness.license_key)
        assert status.state is LicenseState.ACTIVE
        assert status.key_hint == "…" + harness.license_key[-4:]
        assert harness.feature in status.features
        assert harness.seats() == 1
        assert guard.store.path.exists()

    def test_a_fresh_lease_starts_without_the_network(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        before = harness.requests()
        harness.clock.advance(timedelta(hours=23))
        status = harness.make_guard().ensure_activated()  # a new process starts like this
        assert status.state is LicenseState.ACTIVE
        assert harness.requests() == before

    def test_a_due_check_revalidates_online(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        harness.clock.advance(timedelta(hours=25))
        before = harness.requests()
        status = harness.make_guard().ensure_activated()
        assert status.state is LicenseState.ACTIVE
        assert harness.requests() > before
        assert status.verified_at is not None
        assert harness.clock.now() - status.verified_at < timedelta(seconds=2)

    def test_a_denial_revokes_at_once_without_grace(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        harness.refuse()
        harness.clock.advance(timedelta(hours=25))
        with pytest.raises(LicenseDeniedError):
            harness.make_guard().ensure_activated()
        assert harness.make_guard().status().state is LicenseState.DENIED
        harness.faults.reset()  # offline now: a denial stays a denial
        with pytest.raises(LicenseDeniedError):
            harness.make_guard().ensure_activated()

    def test_an_unreachable_server_gives_grace(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        harness.faults.reset()
        harness.clock.advance(timedelta(hours=25))
        status = harness.make_guard().ensure_activated()
        assert status.state is LicenseState.GRACE
        assert status.grace_left is not None
        assert status.grace_left > 5 * DAY

    def test_the_grace_runs_out(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        harness.faults.reset()
        harness.clock.advance(7 * DAY + timedelta(minutes=1))
        with pytest.raises(GracePeriodExpiredError):
            harness.make_guard().ensure_activated()
        harness.faults.clear()  # back online: the next start recovers
        assert harness.make_guard().ensure_activated().state is LicenseState.ACTIVE

    def test_a_clock_turned_back_is_refused_until_online(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        harness.clock.advance(timedelta(hours=3))
        harness.make_guard().ensure_activated()  # records the time it saw
        harness.faults.reset()
        harness.clock.set(harness.clock.now() - timedelta(hours=2))
        with pytest.raises(ClockRollbackError):
            harness.make_guard().ensure_activated()
        harness.faults.clear()
        assert harness.make_guard().ensure_activated().state is LicenseState.ACTIVE

    def test_a_tampered_lease_is_set_aside(self, harness: BackendHarness) -> None:
        guard = harness.make_guard()
        guard.activate(harness.license_key)
        data = bytearray(guard.store.path.read_bytes())
        data[len(data) // 2] ^= 0x20
        guard.store.path.write_bytes(bytes(data))
        with pytest.raises(LeaseError, match="moved aside") as caught:
            harness.make_guard().ensure_activated()
        assert caught.value.quarantined_to is not None
        assert caught.value.quarantined_to.exists()
        with pytest.raises(NotActivatedError):
            harness.make_guard().ensure_activated()

    def test_reactivation_takes_no_extra_seat(self, harness: BackendHarness) -> None:
        first = harness.make_guard()
        first.activate(harness.license_key)
        first.store.path.unlink()  # the lease is lost (reinstall, wiped profile)
        harness.make_guard().activate(harness.license_key)
        assert harness.seats() == 1
        other = harness.make_guard(machine="another-pc", data_dir=harness.storage_root / "pc2")
        other.activate(harness.license_key)
        assert harness.seats() == 2

    def test_release_frees_the_seat(self, harness: BackendHarness) -> None:
        guard = harness.make_guard()
        guard.activate(harness.license_key)
        assert guard.release() is True
        assert harness.seats() == 0
        assert not guard.store.path.exists()
        assert guard.release() is False

    def test_release_offline_keeps_the_lease(self, harness: BackendHarness) -> None:
        guard = harness.make_guard()
        guard.activate(harness.license_key)
        harness.faults.reset()
        with pytest.raises(LicenseUnreachableError):
            guard.release()
        assert guard.store.path.exists()
        assert harness.make_guard().status().state is LicenseState.ACTIVE
        harness.faults.clear()
        assert harness.make_guard().release() is True
        assert harness.seats() == 0

    def test_features_gate_calls(self, harness: BackendHarness) -> None:
        guard = harness.make_guard()

        @guard.require(harness.feature)
        def premium() -> str:
            return "done"

        @guard.require("not-in-this-license")
        def other() -> str:
            return "never"

        with pytest.raises(NotActivatedError):
            premium()
        guard.activate(harness.license_key)
        assert premium() == "done"
        with pytest.raises(FeatureNotLicensedError):
            other()
        harness.faults.reset()  # gating reads memory only: no network needed
        assert harness.make_guard().require(harness.feature).check() is None
