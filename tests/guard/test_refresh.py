"""The background refresher: its schedule, and a real thread against the emulator."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from license_guard import KeymintBackend, LicenseError, LicenseGuard, LicenseStatus
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer
from license_guard.errors import LicenseBlockedError, LicenseUnreachableError
from license_guard.refresh import RefreshSchedule

DAY = timedelta(hours=24)


def fixed(value: float) -> RefreshSchedule:
    return RefreshSchedule(interval=DAY, random=lambda: value)


def test_the_first_check_lands_anywhere_before_it_is_due() -> None:
    assert fixed(0.0).first(timedelta(hours=10)) == timedelta(0)
    assert timedelta(hours=4) < fixed(0.5).first(timedelta(hours=10)) < timedelta(hours=5)
    assert fixed(0.999).first(timedelta(hours=10)) < timedelta(hours=10)
    assert fixed(0.999).first(timedelta(days=3)) < DAY  # never beyond one interval
    assert fixed(0.5).first(timedelta(0)) == timedelta(seconds=30)  # overdue: soon, jittered
    short = RefreshSchedule(interval=timedelta(seconds=10), random=lambda: 0.5)
    assert short.first(timedelta(0)) == timedelta(seconds=5)  # never later than one interval


def test_regular_checks_keep_their_phase_and_come_a_little_early() -> None:
    assert fixed(0.0).after_success() == DAY
    assert fixed(1.0).after_success() == DAY * 0.95


def test_failures_back_off_exponentially_up_to_an_hour() -> None:
    schedule = fixed(1.0)
    waits = [schedule.after_failure(n) for n in range(1, 10)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=1)
    assert fixed(0.0).after_failure(1) == timedelta(seconds=30)
    assert fixed(1.0).after_failure(10_000) == timedelta(hours=1)  # no overflow


def test_a_running_refresher_sees_a_block_and_survives_outages(tmp_path: Path) -> None:
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed()
    results: list[LicenseStatus | LicenseError] = []
    seen_block = threading.Event()

    def on_result(outcome: LicenseStatus | LicenseError) -> None:
        results.append(outcome)
        if isinstance(outcome, LicenseBlockedError):
            seen_block.set()

    with EmulatorServer(emulator) as server:
        guard = LicenseGuard(
            app_id="com.example.photoeditor",
            backend=KeymintBackend(
                product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
            ),
            data_dir=tmp_path,
            revalidate_every=timedelta(milliseconds=200),
            online_timeout=1.0,
        )
        guard.activate(seed.license_key)
        refresher = guard.start_background_refresh(on_result=on_result)
        assert guard.start_background_refresh() is refresher  # idempotent
        _wait_for(lambda: any(isinstance(r, LicenseStatus) for r in results))
        emulator.faults.reset()  # every attempt of a check fails: the check reports unreachable
        _wait_for(lambda: any(isinstance(r, LicenseUnreachableError) for r in results))
        emulator.faults.clear()
        emulator.block_key(seed.product_id, seed.license_key)
        assert seen_block.wait(10), results
        assert refresher.running  # a denial does not stop it
        guard.close()
        assert not refresher.running
    emulator.close()


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    assert callable(condition)
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "condition not met in time"
        time.sleep(0.02)
