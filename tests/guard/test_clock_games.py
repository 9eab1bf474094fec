"""The device's clock against the server's: honest clocks that are merely wrong pass, clocks
turned back do not, even a little before every start.

Here the device and the server keep separate clocks, as they do in life.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from license_guard import (
    ClockRollbackError,
    KeymintBackend,
    LicenseBlockedError,
    LicenseGuard,
    LicenseState,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import FEATURES

DeviceGuards = Callable[[], LicenseGuard]


@pytest.fixture
def device_clock(emulator_clock: ManualClock) -> ManualClock:
    return ManualClock(emulator_clock.now())


@pytest.fixture
def on_device(
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    device_clock: ManualClock,
    lease_dir: Path,
) -> DeviceGuards:
    """Guards of one computer (one clock, one lease folder), as successive app starts."""

    def start() -> LicenseGuard:
        backend = KeymintBackend(
            product_id=keymint_seed.product_id,
            access_token=keymint_seed.access_token,
            base_url="http://127.0.0.1",
            features=FEATURES,
            transport=keymint_transport,
            clock=device_clock,
        )
        return LicenseGuard(
            app_id="com.example.photoeditor",
            backend=backend,
            data_dir=lease_dir,
            clock=device_clock,
        )

    return start


def _tick(server: ManualClock, device: ManualClock, delta: timedelta) -> None:
    server.advance(delta)
    device.advance(delta)


def test_a_slow_clock_is_not_a_clock_turned_back(
    on_device: DeviceGuards,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    device_clock: ManualClock,
) -> None:
    device_clock.set(emulator_clock.now() - timedelta(hours=1))  # a dual-boot RTC, an hour slow
    on_device().activate(keymint_seed.license_key)
    keymint_emulator.faults.reset()  # then offline
    _tick(emulator_clock, device_clock, timedelta(minutes=10))
    assert on_device().ensure_activated().state is LicenseState.ACTIVE


def test_a_clock_set_back_before_every_start_is_caught_after_a_long_session(
    on_device: DeviceGuards,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    device_clock: ManualClock,
) -> None:
    start = device_clock.now()
    on_device().activate(keymint_seed.license_key)
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)

    def launch_with_the_clock_set_back() -> LicenseGuard:
        device_clock.set(start + timedelta(minutes=50))
        return on_device()

    guard = launch_with_the_clock_set_back()
    assert guard.ensure_activated().state is LicenseState.ACTIVE  # no check due yet: offline

    @guard.require()
    def premium() -> str:
        return "ok"

    for _ in range(8):  # an eight-hour session of gated calls
        _tick(emulator_clock, device_clock, timedelta(hours=1))
        assert premium() == "ok"  # in the cheater's timeline no check is due yet

    keymint_emulator.faults.reset()  # offline: only the lease can tell
    with pytest.raises(ClockRollbackError):
        launch_with_the_clock_set_back().ensure_activated()
    keymint_emulator.faults.clear()  # online: the server is asked, and says no
    with pytest.raises(LicenseBlockedError):
        launch_with_the_clock_set_back().ensure_activated()
