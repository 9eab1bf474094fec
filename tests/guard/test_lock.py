"""The cross-process lock, and that nothing on the UI side waits for a slow server."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from license_guard import KeymintBackend, LicenseError, LicenseGuard, LicenseState
from license_guard._lock import FileLock
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.errors import StorageError

HOLD = """
import sys, time
from pathlib import Path
from license_guard._lock import FileLock
with FileLock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_another_process_holding_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "license.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    assert holder.stdout.readline() == "held\n"
    with FileLock(path).attempt() as taken:
        assert taken is False
    with pytest.raises(StorageError, match="held the license lock"), FileLock(path, timeout=0.2):
        pass
    holder.stdin.write("\n")
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0
    holder.stdout.close()
    with FileLock(path).attempt() as taken:
        assert taken is True


def test_the_lock_is_reentrant_in_one_thread_and_exclusive_across_threads(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "license.lock")
    other: list[bool] = []
    with lock, lock:
        thread = threading.Thread(target=lambda: other.append(_try(lock)))
        thread.start()
        thread.join()
        with lock.attempt() as again:
            assert again is True
    assert other == [False]
    assert _try(lock) is True


def _try(lock: FileLock) -> bool:
    with lock.attempt() as taken:
        return taken


def test_status_and_gated_calls_never_wait_for_a_hung_check(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    clock = ManualClock(datetime.now(timezone.utc))
    guard = LicenseGuard(
        app_id="com.example.photoeditor",
        backend=KeymintBackend(
            product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
        ),
        data_dir=tmp_path,
        activation_timeout=3.0,
        revalidate_every=timedelta(hours=1),
        clock=clock,
    )
    guard.activate(seed.license_key)

    @guard.require()
    def premium() -> str:
        return "ok"

    emulator.faults.hang()
    outcome: list[object] = []

    def check() -> None:
        try:
            outcome.append(guard.revalidate())
        except LicenseError as exc:
            outcome.append(exc)

    checking = threading.Thread(target=check)
    checking.start()
    try:
        while not any(r.fault for r in emulator.request_log):
            checking.join(0.01)  # wait until the check is stuck on the server
        assert guard.status().state is LicenseState.ACTIVE
        clock.advance(timedelta(minutes=2))  # the gate's admission lapses: it re-decides
        assert premium() == "ok"
        assert checking.is_alive()  # both answered while the check was still hanging
    finally:
        emulator.faults.clear()
        checking.join(30)
        guard.close()
    assert len(outcome) == 1
