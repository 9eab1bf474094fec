"""What the real Keymint service sends where the seed documents say otherwise, read the same."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from license_guard import ActivationLimitError, KeymintBackend
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.http import Deadline
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
