"""A clock held still: a lease backup restored, the clock frozen, the app started again and
again. Turning the clock back is caught by the highest time seen; holding it still is caught by
counting starts that find it not past that time (sealed in the lease, so restarts keep count).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
from license_guard.clock import ManualClock, SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed

from .conftest import FEATURES

LIMIT = 3


def _libfaketime() -> Path:
    """The libfaketime library the ``libfaketime`` package (a test dependency) builds and ships."""
    import libfaketime

    _, environ = libfaketime.get_reload_information()
    return Path(environ["LD_LIBRARY_PATH"]) / environ["LD_PRELOAD"]


def _device(
    seed: Seed, transport: httpx.BaseTransport, clock: ManualClock, lease_dir: Path
) -> LicenseGuard:
    """One start of the app on this computer (its own clock)."""
    backend = KeymintBackend(
        product_id=seed.product_id,
        access_token=seed.access_token,
        base_url="http://127.0.0.1",
        features=FEATURES,
        transport=transport,
        clock=clock,
    )
    return LicenseGuard(
        app_id="com.example.photoeditor",
        backend=backend,
        data_dir=lease_dir,
        clock=clock,
        stalled_start_limit=LIMIT,
    )


def test_a_frozen_clock_needs_an_online_check_after_the_limit(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    lease_dir: Path,
) -> None:
    device_clock = ManualClock(emulator_clock.now())
    _device(keymint_seed, keymint_transport, device_clock, lease_dir).activate(
        keymint_seed.license_key
    )
    (lease_file,) = lease_dir.glob("license-*.lease")
    backup = lease_file.read_bytes()
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    lease_file.write_bytes(backup)  # restored after the key was blocked
    device_clock.advance(timedelta(minutes=10))  # then frozen there
    keymint_emulator.clear_request_log()

    for _ in range(LIMIT + 1):  # the first start moves past the mark; LIMIT more find it still
        start = _device(keymint_seed, keymint_transport, device_clock, lease_dir)
        assert start.ensure_activated().state is LicenseState.ACTIVE
    assert keymint_emulator.request_log == []

    with pytest.raises(LicenseBlockedError):
        _device(keymint_seed, keymint_transport, device_clock, lease_dir).ensure_activated()
    assert keymint_emulator.request_log  # the check was made


def test_no_grace_for_a_frozen_clock_and_a_moving_clock_clears_the_count(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    lease_dir: Path,
) -> None:
    device_clock = ManualClock(emulator_clock.now())
    _device(keymint_seed, keymint_transport, device_clock, lease_dir).activate(
        keymint_seed.license_key
    )
    keymint_emulator.faults.reset()  # offline from here on
    for _ in range(LIMIT):
        _device(keymint_seed, keymint_transport, device_clock, lease_dir).ensure_activated()
    with pytest.raises(ClockRollbackError, match="without the computer's clock moving"):
        _device(keymint_seed, keymint_transport, device_clock, lease_dir).ensure_activated()
    status = _device(keymint_seed, keymint_transport, device_clock, lease_dir).status()
    assert status.state is LicenseState.CLOCK_ROLLBACK

    device_clock.advance(timedelta(seconds=1))  # the clock moves again: starts are fine
    start = _device(keymint_seed, keymint_transport, device_clock, lease_dir)
    assert start.ensure_activated().state is LicenseState.ACTIVE
    lease = start.store.load()
    assert lease is not None
    assert lease.stalled_starts == 0


APP = """
import json, sys
from license_guard import KeymintBackend, LicenseError, LicenseGuard
product_id, token, base_url, data_dir = sys.argv[1:5]
backend = KeymintBackend(product_id=product_id, access_token=token, base_url=base_url)
guard = LicenseGuard(app_id="com.example.photoeditor", backend=backend, data_dir=data_dir,
                     stalled_start_limit=int(sys.argv[5]))
try:
    print(json.dumps({"state": guard.ensure_activated().state.value}))
except LicenseError as error:
    print(json.dumps({"error": type(error).__name__}))
"""


def test_a_real_process_with_its_clock_frozen_by_libfaketime(tmp_path: Path) -> None:
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed()
    data_dir = tmp_path / "data"
    with EmulatorServer(emulator) as server:
        args = [seed.product_id, seed.access_token, server.url, str(data_dir), str(LIMIT)]
        guard = LicenseGuard(
            app_id="com.example.photoeditor",
            backend=KeymintBackend(
                product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
            ),
            data_dir=data_dir,
        )
        guard.activate(seed.license_key)
        (lease_file,) = data_dir.glob("license-*.lease")
        backup = lease_file.read_bytes()
        emulator.block_key(seed.product_id, seed.license_key)
        lease_file.write_bytes(backup)
        frozen = (SystemClock().now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
        environ = {
            **os.environ,
            "LD_PRELOAD": str(_libfaketime()),
            "FAKETIME": frozen,  # an absolute time: the clock stands still there
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "TZ": "UTC",
        }
        emulator.clear_request_log()

        def start() -> dict[str, str]:
            completed = subprocess.run(
                [sys.executable, "-c", APP, *args],
                capture_output=True,
                text=True,
                timeout=60,
                env=environ,
                check=True,
            )
            report: dict[str, str] = json.loads(completed.stdout)
            return report

        reports = [start() for _ in range(LIMIT + 2)]
    emulator.close()

    assert reports[: LIMIT + 1] == [{"state": "active"}] * (LIMIT + 1)
    assert reports[LIMIT + 1] == {"error": "LicenseBlockedError"}
    assert emulator.request_log  # only the last start asked
