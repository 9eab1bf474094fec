"""Floating seats at the backend: checkout, heartbeats with the rotating nonce, check-in, and
the refusals, against the emulator's generation 2."""

from __future__ import annotations

from datetime import timedelta

import pytest
from keymint.identity import generate_session_signature

from license_guard import (
    ConfigurationError,
    FloatingSeatsTakenError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseUnreachableError,
    SeatLostError,
)
from license_guard.admin import FloatingSeats, KeymintAdmin
from license_guard.backends.keymint.seats import session_signature
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.http import Deadline
from tests.keymint.conftest import BackendFactory
from tests.keymint.wire import Rewriting

LEASE = timedelta(seconds=300)


@pytest.fixture
def floating_key(admin: KeymintAdmin) -> str:
    return admin.create_key(
        floating=FloatingSeats(max_sessions=2, heartbeat_interval=60, session_lease_duration=300)
    )


@pytest.fixture
def deadline(emulator_clock: ManualClock) -> Deadline:
    return Deadline(30, clock=emulator_clock)


def test_n_seats_then_the_next_computer_is_told_how_many(
    make_backend: BackendFactory, floating_key: str, deadline: Deadline, emulator_clock: ManualClock
) -> None:
    backend = make_backend()
    first = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    backend.checkout(floating_key, host_id="pc-2", deadline=deadline)
    assert first.expires_at == emulator_clock.now() + LEASE
    assert first.heartbeat_every == timedelta(seconds=60)
    assert first.max_sessions == 2
    assert first.session_secret not in repr(first)
    assert first.nonce not in repr(first)
    with pytest.raises(FloatingSeatsTakenError, match="All 2 seats") as caught:
        backend.checkout(floating_key, host_id="pc-3", deadline=deadline)
    assert caught.value.max_sessions == 2
    # The same computer again gets a fresh session in its own seat.
    again = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    assert again.session_id != first.session_id


def test_heartbeats_rotate_the_nonce_and_extend_the_seat(
    make_backend: BackendFactory, floating_key: str, deadline: Deadline, emulator_clock: ManualClock
) -> None:
    backend = make_backend()
    seat = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    emulator_clock.advance(timedelta(seconds=60))
    deadline = Deadline(30, clock=emulator_clock)  # the manual clock moves deadlines too
    renewed = backend.renew_seat(seat, deadline=deadline)
    assert renewed.nonce != seat.nonce
    assert renewed.expires_at == emulator_clock.now() + LEASE
    # The nonce serves once: the old seat value is refused, and the seat is reported lost.
    with pytest.raises(SeatLostError):
        backend.renew_seat(seat, deadline=deadline)
    assert backend.checkin(renewed, deadline=deadline) is True
    assert backend.checkin(renewed, deadline=deadline) is False


def test_checkin_frees_the_seat_and_a_lapsed_one_comes_back(
    make_backend: BackendFactory, floating_key: str, deadline: Deadline, emulator_clock: ManualClock
) -> None:
    backend = make_backend()
    one = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    two = backend.checkout(floating_key, host_id="pc-2", deadline=deadline)
    backend.checkin(one, deadline=deadline)
    backend.checkout(floating_key, host_id="pc-3", deadline=deadline)
    with pytest.raises(FloatingSeatsTakenError):
        backend.checkout(floating_key, host_id="pc-4", deadline=deadline)
    emulator_clock.advance(LEASE + timedelta(seconds=1))  # pc-2 and pc-3 stopped beating
    deadline = Deadline(30, clock=emulator_clock)
    backend.checkout(floating_key, host_id="pc-4", deadline=deadline)
    with pytest.raises(SeatLostError):
        backend.renew_seat(two, deadline=deadline)


def test_the_signature_is_the_sdks() -> None:
    for session, nonce, secret in [("s" * 22, "n0", "k"), ("abc", "ü-nonce", "sécret" * 10)]:
        assert session_signature(session, nonce, secret) == generate_session_signature(
            session, nonce, secret
        )


def test_refusals(
    make_backend: BackendFactory,
    admin: KeymintAdmin,
    floating_key: str,
    keymint_seed: Seed,
    deadline: Deadline,
) -> None:
    backend = make_backend()
    with pytest.raises(LicenseDeniedError, match="not for shared"):
        backend.checkout(keymint_seed.license_key, host_id="pc-1", deadline=deadline)
    admin.block_key(floating_key)
    with pytest.raises(LicenseBlockedError):
        backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    with pytest.raises(ConfigurationError, match="generation 2"):
        make_backend(api_generation=1).checkout(floating_key, host_id="pc-1", deadline=deadline)


def test_a_heartbeat_is_not_repeated_once_it_may_have_arrived(
    make_backend: BackendFactory,
    keymint_emulator: Emulator,
    floating_key: str,
    deadline: Deadline,
) -> None:
    backend = make_backend()
    seat = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    keymint_emulator.faults.server_error(502, times=1)  # may have acted: the nonce is spent
    with pytest.raises(LicenseUnreachableError, match="502"):
        backend.renew_seat(seat, deadline=deadline)
    beats = [r for r in keymint_emulator.request_log if r.path == "/key/heartbeat"]
    assert len(beats) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_any_refusal_of_a_heartbeat_is_a_lost_seat(
    make_backend: BackendFactory,
    keymint_emulator: Emulator,
    floating_key: str,
    deadline: Deadline,
    status: int,
) -> None:
    refusing = Rewriting(
        keymint_emulator.transport(),
        lambda *_: None,
        intercept=lambda request: (
            (status, {"message": "Invalid or already used nonce", "code": 1})
            if request.url.path == "/key/heartbeat"
            else None
        ),
    )
    backend = make_backend(transport=refusing)
    seat = backend.checkout(floating_key, host_id="pc-1", deadline=deadline)
    with pytest.raises(SeatLostError):
        backend.renew_seat(seat, deadline=deadline)
