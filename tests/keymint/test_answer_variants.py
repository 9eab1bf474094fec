"""What the real Keymint service sends where the seed documents say otherwise, read the same."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from license_guard import (
    AccessTokenError,
    ActivationLimitError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    KeymintBackend,
    LicenseBlockedError,
    LicenseError,
    LicenseExpiredError,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.http import Deadline
from license_guard.testing import EMULATOR_EPOCH
from tests.keymint.wire import Rewriting, rename_in_license

HOST_A = "host-a"
HOST_B = "host-b"


@pytest.fixture
def one_seat(keymint_emulator: Emulator) -> Seed:
    return keymint_emulator.seed(uses_per_key=1)


def _backend(
    seed: Seed, transport: httpx.BaseTransport, clock: ManualClock, **options: Any
) -> KeymintBackend:
    return KeymintBackend(
        product_id=seed.product_id,
        access_token=seed.access_token,
        base_url="http://127.0.0.1",
        transport=transport,
        clock=clock,
        **options,
    )


@pytest.fixture
def deadline(emulator_clock: ManualClock) -> Deadline:
    return Deadline(30, clock=emulator_clock)


@pytest.mark.parametrize("spelling", ["max_activations", "maxActivations"])
def test_a_full_key_whose_limit_is_spelled_otherwise_is_an_activation_limit(
    keymint_emulator: Emulator,
    one_seat: Seed,
    emulator_clock: ManualClock,
    deadline: Deadline,
    spelling: str,
) -> None:
    transport = Rewriting(keymint_emulator.transport(), rename_in_license("usage_limit", spelling))
    backend = _backend(one_seat, transport, emulator_clock)
    backend.activate(one_seat.license_key, host_id=HOST_A, device_tag=None, deadline=deadline)
    with pytest.raises(ActivationLimitError, match="1 of 1 computers"):
        backend.activate(one_seat.license_key, host_id=HOST_B, device_tag=None, deadline=deadline)
    backend.close()


@pytest.mark.parametrize("spelling", ["max_activations", "maxActivations"])
def test_a_seat_limit_spelled_otherwise_is_reported(
    keymint_emulator: Emulator,
    one_seat: Seed,
    emulator_clock: ManualClock,
    deadline: Deadline,
    spelling: str,
) -> None:
    transport = Rewriting(keymint_emulator.transport(), rename_in_license("usage_limit", spelling))
    backend = _backend(one_seat, transport, emulator_clock)
    info = backend.activate(
        one_seat.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
    )
    assert (info.usage_limit, info.activations) == (1, 1)
    backend.close()


def _gen2(seed: Seed, emulator: Emulator, clock: ManualClock, **options: Any) -> KeymintBackend:
    return _backend(seed, emulator.transport(), clock, api_generation=2, **options)


@pytest.mark.parametrize("generation", [1, 2])
def test_an_expired_key_that_answers_like_an_unknown_one_is_expired(
    emulator_clock: ManualClock, generation: int
) -> None:
    with Emulator(clock=emulator_clock, expired_as_invalid=True) as emulator:
        seed = emulator.seed(uses_per_key=2)
        backend = _backend(seed, emulator.transport(), emulator_clock, api_generation=generation)
        deadline = Deadline(30, clock=emulator_clock)
        info = backend.activate(
            seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
        )
        assert info.expires_at is not None
        emulator_clock.set(info.expires_at + timedelta(minutes=1))
        deadline = Deadline(30, clock=emulator_clock)
        with pytest.raises(LicenseExpiredError) as caught:
            backend.validate(seed.license_key, host_id=HOST_A, deadline=deadline)
        assert caught.value.expired_at == info.expires_at
        # A new process knows no expiry yet: get-key still shows it.
        fresh = _backend(seed, emulator.transport(), emulator_clock, api_generation=generation)
        with pytest.raises(LicenseExpiredError):
            fresh.activate(seed.license_key, host_id=HOST_B, device_tag=None, deadline=deadline)
        backend.close()
        fresh.close()


def test_an_expired_key_unknown_to_get_key_too_is_told_by_the_lease_expiry(
    emulator_clock: ManualClock,
) -> None:
    def unknown_everywhere(request: httpx.Request, status: int, body: Any) -> Any:
        if status == 403 or (request.method == "GET" and emulator_clock.now() > expiry[0]):
            return 404, {"message": "Invalid license key", "code": 1}
        return None

    expiry = [EMULATOR_EPOCH + timedelta(days=365)]
    with Emulator(clock=emulator_clock, expired_as_invalid=True) as emulator:
        seed = emulator.seed(uses_per_key=2)
        transport = Rewriting(emulator.transport(), unknown_everywhere)
        backend = _backend(seed, transport, emulator_clock, api_generation=2)
        deadline = Deadline(30, clock=emulator_clock)
        info = backend.activate(
            seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
        )
        assert info.expires_at is not None
        expiry[0] = info.expires_at
        emulator_clock.set(info.expires_at + timedelta(minutes=1))
        deadline = Deadline(30, clock=emulator_clock)
        with pytest.raises(LicenseExpiredError):
            backend.validate(seed.license_key, host_id=HOST_A, deadline=deadline)
        # Before its last known expiry, "invalid key" stays "invalid key" (deleted, say).
        other = _backend(seed, transport, emulator_clock, api_generation=2)
        with pytest.raises(InvalidLicenseKeyError):
            other.validate(seed.license_key, host_id=HOST_A, deadline=deadline)
        backend.close()
        other.close()


def test_an_existing_activation_conflict_for_this_host_is_already_active(
    keymint_emulator: Emulator, keymint_seed: Seed, emulator_clock: ManualClock, deadline: Deadline
) -> None:
    def conflict_on_second_activation(request: httpx.Request, status: int, body: Any) -> Any:
        if request.url.path == "/key/activate" and seen.append(1) is None and len(seen) > 1:
            return 409, {"message": "Existing activation", "code": 2}
        return None

    seen: list[int] = []
    transport = Rewriting(keymint_emulator.transport(), conflict_on_second_activation)
    backend = _backend(keymint_seed, transport, emulator_clock, api_generation=2)
    backend.activate(keymint_seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline)
    info = backend.activate(
        keymint_seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
    )
    assert info.activations == 1
    assert backend.validate(keymint_seed.license_key, host_id=HOST_A, deadline=deadline)
    backend.close()
    # For a host the server does not list, the conflict cannot mean "already active here".
    refusing = Rewriting(
        keymint_emulator.transport(),
        lambda *_: None,
        intercept=lambda request: (
            (409, {"message": "Existing activation", "code": 2})
            if request.url.path == "/key/activate"
            else None
        ),
    )
    other = _backend(keymint_seed, refusing, emulator_clock, api_generation=2)
    with pytest.raises(InvalidResponseError, match="does not list this computer"):
        other.activate(keymint_seed.license_key, host_id=HOST_B, device_tag=None, deadline=deadline)
    other.close()


@pytest.mark.parametrize(
    ("status", "body", "error", "server_code"),
    [
        (404, {"error": {"code": 1, "message": "Invalid license key"}}, InvalidLicenseKeyError, 1),
        (403, {"error": {"code": 2, "message": "License blocked"}}, LicenseBlockedError, 2),
        # No code anywhere: a gateway's JSON, not Keymint's; never explained into a refusal.
        (403, {"error": {"message": "Forbidden"}}, InvalidResponseError, None),
    ],
)
def test_nested_error_objects_carry_their_message_and_code(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    deadline: Deadline,
    status: int,
    body: dict[str, Any],
    error: type[Exception],
    server_code: object,
) -> None:
    def nested(request: httpx.Request, _status: int, _body: Any) -> Any:
        return (status, body) if request.url.path == "/key/activate" else None

    backend = _backend(
        keymint_seed,
        Rewriting(keymint_emulator.transport(), nested),
        emulator_clock,
        api_generation=2,
    )
    with pytest.raises(LicenseError) as caught:
        backend.activate(
            keymint_seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
        )
    assert type(caught.value) is error
    assert caught.value.server_code == server_code
    if server_code is not None:
        assert caught.value.server_message == body["error"]["message"]
    backend.close()


@pytest.mark.parametrize("field", ["max_activations", "both"])
def test_the_emulators_other_limit_spelling_reads_the_same(
    emulator_clock: ManualClock, field: Any
) -> None:
    with Emulator(clock=emulator_clock, gen1_limit_field=field) as emulator:
        seed = emulator.seed(uses_per_key=1)
        backend = _backend(seed, emulator.transport(), emulator_clock, api_generation=1)
        deadline = Deadline(30, clock=emulator_clock)
        info = backend.activate(
            seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
        )
        assert info.usage_limit == 1
        with pytest.raises(ActivationLimitError):
            backend.activate(seed.license_key, host_id=HOST_B, device_tag=None, deadline=deadline)
        backend.close()


@pytest.mark.parametrize("written", [None, 0, -1])
def test_an_unlimited_generation_2_key_in_any_of_its_possible_spellings(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    deadline: Deadline,
    written: int | None,
) -> None:
    def unlimited(request: httpx.Request, status: int, body: Any) -> Any:
        license_ = body.get("data", {}).get("license") if status == 200 else None
        if request.method == "GET" and isinstance(license_, dict):
            license_["maxActivations"] = written
            return status, body
        return None

    backend = _backend(
        keymint_seed,
        Rewriting(keymint_emulator.transport(), unlimited),
        emulator_clock,
        api_generation=2,
    )
    info = backend.activate(
        keymint_seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
    )
    assert info.usage_limit is None
    backend.close()


@pytest.mark.parametrize("status", [401, 403])
def test_a_token_without_the_scope_is_a_configuration_error_not_a_refusal(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    deadline: Deadline,
    status: int,
) -> None:
    insufficient = {"message": "Insufficient permissions for this operation", "code": 1}
    transport = Rewriting(
        keymint_emulator.transport(),
        lambda *_: None,
        intercept=lambda request: (
            (status, insufficient) if request.url.path == "/key/activate" else None
        ),
    )
    backend = _backend(keymint_seed, transport, emulator_clock, api_generation=2)
    with pytest.raises(AccessTokenError):
        backend.activate(
            keymint_seed.license_key, host_id=HOST_A, device_tag=None, deadline=deadline
        )
    backend.close()
