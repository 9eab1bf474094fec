"""Retries: exponential backoff with full jitter, at least what Retry-After asks, never past
the deadline. The waits are read off a recording clock; the server is the emulator."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.errors import LicenseUnreachableError
from license_guard.http import Deadline, HttpClient, HttpSettings


class RecordingClock(ManualClock):
    """A manual clock that remembers every wait asked of it."""

    def __init__(self, start: ManualClock) -> None:
        super().__init__(start.now())
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        super().sleep(seconds)


def _client(
    transport: httpx.BaseTransport, clock: ManualClock, jitter: float, **settings: float
) -> HttpClient:
    return HttpClient(
        "http://127.0.0.1",
        settings=HttpSettings(**settings),  # type: ignore[arg-type]
        transport=transport,
        clock=clock,
        jitter=lambda: jitter,
    )


def _get_key(client: HttpClient, seed: Seed, clock: ManualClock, seconds: float = 30.0) -> int:
    response = client.request(
        "POST",
        "/get-key",
        json_body={"productId": seed.product_id, "licenseKey": seed.license_key},
        headers={"Authorization": f"Bearer {seed.access_token}"},
        deadline=Deadline(seconds, clock=clock),
    )
    return response.status


@pytest.mark.parametrize(
    ("jitter", "expected"), [(1.0, [0.25, 0.5, 1.0]), (0.5, [0.125, 0.25, 0.5])]
)
def test_waits_double_and_are_drawn_below_the_cap(
    keymint_emulator: Emulator,
    keymint_transport: httpx.BaseTransport,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    jitter: float,
    expected: list[float],
) -> None:
    clock = RecordingClock(emulator_clock)
    keymint_emulator.faults.server_error(503, times=3)
    assert _get_key(_client(keymint_transport, clock, jitter), keymint_seed, clock) == 200
    assert clock.waits == expected


def test_the_cap_bounds_each_wait(
    keymint_emulator: Emulator,
    keymint_transport: httpx.BaseTransport,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    clock = RecordingClock(emulator_clock)
    keymint_emulator.faults.server_error(503, times=5)
    client = _client(keymint_transport, clock, 1.0, max_attempts=6, backoff_cap=0.6)
    assert _get_key(client, keymint_seed, clock) == 200
    assert clock.waits == [0.25, 0.5, 0.6, 0.6, 0.6]


def test_retry_after_as_an_http_date_is_honoured(
    keymint_emulator: Emulator,
    keymint_transport: httpx.BaseTransport,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    clock = RecordingClock(emulator_clock)
    keymint_emulator.faults.rate_limit(emulator_clock.now() + timedelta(seconds=7), times=1)
    assert _get_key(_client(keymint_transport, clock, 0.0), keymint_seed, clock) == 200
    assert len(clock.waits) == 1
    assert 6.0 <= clock.waits[0] <= 7.0  # the Date header has whole seconds


def test_no_wait_outlasts_the_deadline(
    keymint_emulator: Emulator,
    keymint_transport: httpx.BaseTransport,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    clock = RecordingClock(emulator_clock)
    keymint_emulator.faults.server_error(503)
    client = _client(keymint_transport, clock, 1.0, max_attempts=10)
    with pytest.raises(LicenseUnreachableError):
        _get_key(client, keymint_seed, clock, seconds=1.0)
    assert sum(clock.waits) < 1.0
    assert clock.waits == [0.25, 0.5]  # the next (1.0 s) would have passed the deadline
