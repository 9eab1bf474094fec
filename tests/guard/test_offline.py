"""The startup check: no network with a fresh lease, grace when unreachable, stop when refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from license_guard import (
    ClockRollbackError,
    CustomerInactiveError,
    DeviceDeactivatedError,
    GracePeriodExpiredError,
    LicenseBlockedError,
    LicenseExpiredError,
    LicenseGuard,
    LicenseState,
    NotActivatedError,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory, seats


def test_not_activated(guard: LicenseGuard, keymint_emulator: Emulator) -> None:
    keymint_emulator.clear_request_log()
    with pytest.raises(NotActivatedError, match="Enter a license key"):
        guard.ensure_activated()
    assert guard.status().state is LicenseState.NOT_ACTIVATED
    assert keymint_emulator.request_log == []


def test_a_fresh_lease_needs_no_network(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.clear_request_log()
    emulator_clock.advance(timedelta(hours=23))
    restarted = make_guard()  # a new process would start like this
    status = restarted.ensure_activated()
    assert status.state is LicenseState.ACTIVE
    assert keymint_emulator.request_log == []


def test_a_due_check_goes_online_and_renews_the_lease(
    activated: LicenseGuard, keymint_emulator: Emulator, emulator_clock: ManualClock
) -> None:
    emulator_clock.advance(timedelta(hours=25))
    keymint_emulator.clear_request_log()
    status = activated.ensure_activated()
    assert status.state is LicenseState.ACTIVE
    assert status.verified_at == emulator_clock.now().replace(microsecond=0)
    assert [r.path for r in keymint_emulator.request_log] == ["/get-key", "/activate-key"]


def test_unreachable_server_means_grace_until_it_runs_out(
    activated: LicenseGuard, keymint_emulator: Emulator, emulator_clock: ManualClock
) -> None:
    keymint_emulator.faults.reset()
    emulator_clock.advance(timedelta(hours=25))
    status = activated.ensure_activated()
    assert status.state is LicenseState.GRACE
    # The server's Date has one-second resolution, and the retries waited on the same clock.
    assert status.grace_left is not None
    expected = timedelta(days=7) - timedelta(hours=25)
    assert expected - timedelta(seconds=10) < status.grace_left <= expected

    emulator_clock.advance(timedelta(days=5, hours=22))
    assert activated.ensure_activated().state is LicenseState.GRACE

    emulator_clock.advance(timedelta(hours=2))
    with pytest.raises(GracePeriodExpiredError, match="grace period ended"):
        activated.ensure_activated()

    keymint_emulator.faults.clear()  # back online: the next start recovers at once
    assert activated.ensure_activated().state is LicenseState.ACTIVE


@pytest.mark.parametrize("fault", ["captive_portal", "server_error", "rate_limit", "reset"])
def test_every_kind_of_unreachable_gives_grace(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    emulator_clock: ManualClock,
    fault: str,
) -> None:
    getattr(keymint_emulator.faults, fault)()
    emulator_clock.advance(timedelta(hours=30))
    assert activated.ensure_activated().state is LicenseState.GRACE


def test_remote_deactivation_stops_the_app_at_once(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    seed = keymint_seed
    keymint_emulator.deactivate(seed.product_id, seed.license_key, activated.host_id)
    emulator_clock.advance(timedelta(hours=25))
    with pytest.raises(DeviceDeactivatedError):
        activated.ensure_activated()
    assert activated.status().state is LicenseState.DENIED
    # The check must not have taken the seat back.
    assert seats(keymint_emulator, keymint_seed) == (0, [])
    # Offline now, it stays refused: grace is only for an unreachable server.
    keymint_emulator.faults.reset()
    with pytest.raises(DeviceDeactivatedError):
        activated.ensure_activated()


def test_a_block_is_seen_on_the_next_check_and_an_unblock_too(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    assert activated.ensure_activated().state is LicenseState.ACTIVE  # not due yet: no call
    emulator_clock.advance(timedelta(hours=25))
    with pytest.raises(LicenseBlockedError):
        activated.ensure_activated()
    keymint_emulator.unblock_key(keymint_seed.product_id, keymint_seed.license_key)
    assert activated.ensure_activated().state is LicenseState.ACTIVE


def test_an_inactive_customer_is_seen_on_the_next_check(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.set_customer_active(keymint_seed.customer_id, False)
    emulator_clock.advance(timedelta(hours=25))
    with pytest.raises(CustomerInactiveError):
        activated.ensure_activated()


def test_expiry_is_decided_offline_too(
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    key = keymint_emulator.create_key(
        keymint_seed.product_id, expires_at=emulator_clock.now() + timedelta(hours=10)
    )
    guard = make_guard()
    guard.activate(key)
    keymint_emulator.faults.reset()  # offline: the lease alone knows the expiry
    emulator_clock.advance(timedelta(hours=11))
    with pytest.raises(LicenseExpiredError):
        guard.ensure_activated()
    assert guard.status().state is LicenseState.EXPIRED


def test_clock_rollback_is_detected_until_an_online_check(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    emulator_clock: ManualClock,
    make_guard: GuardFactory,
) -> None:
    emulator_clock.advance(timedelta(hours=3))
    make_guard().ensure_activated()  # a start 3 hours later records the time it saw
    keymint_emulator.faults.reset()
    emulator_clock.set(emulator_clock.now() - timedelta(hours=2))
    with pytest.raises(ClockRollbackError, match="clock"):
        make_guard().ensure_activated()
    keymint_emulator.faults.clear()
    # Online, the server's time is trusted: the check passes even with the clock still behind.
    assert make_guard().ensure_activated().state is LicenseState.ACTIVE


def test_small_clock_changes_are_tolerated(
    activated: LicenseGuard, emulator_clock: ManualClock, make_guard: GuardFactory
) -> None:
    emulator_clock.set(emulator_clock.now() - timedelta(minutes=4))
    assert make_guard().ensure_activated().state is LicenseState.ACTIVE


def test_each_start_records_the_time_it_saw(
    activated: LicenseGuard, emulator_clock: ManualClock, make_guard: GuardFactory
) -> None:
    # Every start, not once per seen_time_step: a clock held still shows only as starts that
    # find it where the last one left it (tests/guard/test_frozen_clock.py).
    emulator_clock.advance(timedelta(minutes=30))
    make_guard().ensure_activated()
    lease = activated.store.load()
    assert lease is not None
    assert (lease.highest_seen, lease.stalled_starts) == (emulator_clock.now(), 0)
