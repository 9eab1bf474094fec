"""Floating seats through the guard, in process: a seat per running app, checked out at start,
kept by heartbeats, given back at close and release; without the server, the app runs until the
seat's lease ends, then stops."""

from __future__ import annotations

from datetime import timedelta

import pytest

from license_guard import (
    FloatingSeatsTakenError,
    GracePeriodExpiredError,
    LicenseUnreachableError,
)
from license_guard.admin import FloatingSeats, KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.status import LicenseState
from tests.keymint.conftest import GuardMaker

LEASE = timedelta(seconds=300)


@pytest.fixture
def floating_key(admin: KeymintAdmin) -> str:
    return admin.create_key(floating=FloatingSeats(max_sessions=2))


def _sessions(emulator: Emulator, seed: Seed, key: str) -> int:
    return len(emulator.floating_sessions(seed.product_id, key))


def test_a_seat_per_running_app_and_back_at_close(
    make_guard: GuardMaker, keymint_emulator: Emulator, keymint_seed: Seed, floating_key: str
) -> None:
    first = make_guard("pc-1", floating=True)
    assert first.activate(floating_key).state is LicenseState.ACTIVE
    make_guard("pc-2", floating=True).activate(floating_key)
    assert _sessions(keymint_emulator, keymint_seed, floating_key) == 2
    with pytest.raises(FloatingSeatsTakenError, match="All 2 seats"):
        make_guard("pc-3", floating=True).activate(floating_key)
    first.close()  # the app exits: its seat is given back
    assert _sessions(keymint_emulator, keymint_seed, floating_key) == 1
    # The next start of pc-1 checks a seat out again before it runs, though its lease is fresh.
    again = make_guard("pc-1", floating=True)
    assert again.ensure_activated().state is LicenseState.ACTIVE
    assert _sessions(keymint_emulator, keymint_seed, floating_key) == 2
    assert again.release() is True
    assert _sessions(keymint_emulator, keymint_seed, floating_key) == 1


def test_heartbeats_keep_the_seat_and_the_app_stops_when_it_lapses_offline(
    make_guard: GuardMaker,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    floating_key: str,
    emulator_clock: ManualClock,
) -> None:
    guard = make_guard("pc-1", floating=True)
    guard.activate(floating_key)
    gate = guard.require()
    for _ in range(3):  # twelve minutes of heartbeats: longer than one lease
        emulator_clock.advance(timedelta(minutes=4))
        assert guard.heartbeat() == timedelta(seconds=60)
        assert gate.check() is None
    keymint_emulator.faults.reset()  # the network goes away
    emulator_clock.advance(timedelta(minutes=4))
    with pytest.raises(LicenseUnreachableError):
        guard.heartbeat()
    assert gate.check() is None  # the seat still holds until its lease ends
    emulator_clock.advance(LEASE - timedelta(minutes=4) + timedelta(seconds=1))
    assert isinstance(gate.check(), GracePeriodExpiredError)
    assert guard.status().state is LicenseState.GRACE_EXPIRED
    keymint_emulator.faults.clear()  # back online: the next heartbeat takes a seat again
    assert guard.heartbeat() == timedelta(seconds=60)
    assert gate.check() is None


def test_the_status_shows_the_seat_this_process_holds(
    make_guard: GuardMaker, floating_key: str, emulator_clock: ManualClock
) -> None:
    make_guard("pc-1", floating=True).activate(floating_key)
    guard = make_guard("pc-2", floating=True)
    seat = guard.activate(floating_key).seat
    assert seat is not None
    assert (seat.in_use, seat.total) == (2, 2)
    assert seat.held_until == emulator_clock.now() + LEASE
    emulator_clock.advance(timedelta(minutes=4))
    guard.heartbeat()
    renewed = guard.status().seat
    assert renewed is not None
    assert renewed.held_until == emulator_clock.now() + LEASE
    assert guard.status().to_json()["seat"] == {
        "held_until": renewed.held_until.isoformat(),
        "in_use": 2,
        "total": 2,
    }
    # Another process of the same computer holds no seat until its own start takes one.
    assert make_guard("pc-2", floating=True).status().seat is None
    guard.release()
    assert guard.status().seat is None
