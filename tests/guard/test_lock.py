"""The cross-process lock, and that nothing on the UI side waits for a slow server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest

from license_guard import KeymintBackend, LicenseError, LicenseGuard, LicenseState
from license_guard._lock import FileLock
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.errors import StorageError
from license_guard.store import lease_file_stem
from license_guard.testing import GuardFactory

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


@contextmanager
def _held_by_another_process(path: Path) -> Iterator[None]:
    """*path* locked by a real second process until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
        holder.stdout.close()


def test_one_budget_covers_the_wait_for_the_thread_and_for_the_file(tmp_path: Path) -> None:
    # Thread A waits on the file (held by another process) while holding the thread lock;
    # thread B then waits for A, then for the file. B's wait must not be 1 s + 1 s.
    path = tmp_path / "license.lock"
    lock = FileLock(path, timeout=1.0)
    elapsed: dict[str, float] = {}
    errors: list[StorageError] = []

    def wait_for_lock(name: str) -> None:
        started = time.monotonic()
        try:
            with lock:
                pass
        except StorageError as exc:
            errors.append(exc)
        elapsed[name] = time.monotonic() - started

    with _held_by_another_process(path):
        first = threading.Thread(target=wait_for_lock, args=("first",))
        first.start()
        time.sleep(0.1)  # the first thread now holds the thread lock, polling for the file
        second = threading.Thread(target=wait_for_lock, args=("second",))
        second.start()
        first.join(10)
        second.join(10)
    assert len(errors) == 2
    assert elapsed["second"] < 1.6, elapsed  # 2.0 s when each lock had its own 1 s


def test_within_waits_no_longer_than_the_seconds_given(tmp_path: Path) -> None:
    path = tmp_path / "license.lock"
    lock = FileLock(path)  # 30 s by default: within() overrides it
    with _held_by_another_process(path):
        started = time.monotonic()
        with pytest.raises(StorageError, match=r"for more than 0\.3 s"), lock.within(0.3):
            pass
        assert time.monotonic() - started < 2.0
        with pytest.raises(StorageError, match="held the license lock"), lock.within(-1.0):
            pass  # a deadline already passed: one try, no wait
    with lock.within(0.0) as held:
        assert held is lock
        with lock.within(0.0):
            pass  # re-entrant: the thread already holds it


@pytest.mark.parametrize("verb", ["activate", "release"])
def test_a_lock_held_by_a_stuck_process_ends_within_the_activation_timeout(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed, verb: str
) -> None:
    guard = make_guard(activation_timeout=1.0)
    guard.activate(keymint_seed.license_key)
    requests = len(keymint_emulator.request_log)
    lock_path = guard.data_dir / f"{lease_file_stem(keymint_seed.product_id)}.lock"
    with _held_by_another_process(lock_path):
        started = time.monotonic()
        call = (
            guard.release
            if verb == "release"
            else partial(guard.activate, keymint_seed.license_key)
        )
        with pytest.raises(StorageError, match="held the license lock"):
            call()
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"{verb} waited {elapsed:.1f} s with activation_timeout=1"
    assert len(keymint_emulator.request_log) == requests  # the server was never asked
    assert guard.status().state is LicenseState.ACTIVE


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
