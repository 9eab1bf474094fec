"""The gate's hot path: one monotonic clock read, no wall clock, no file, no lock.

``docs/performance.md`` times it; these tests pin what it does, which holds on any machine.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from license_guard import LicenseGuard
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.testing import EMULATOR_EPOCH

from .conftest import FEATURES, GuardFactory

FEATURE = next(iter(FEATURES))


class CountingClock(ManualClock):
    """A manual clock that counts how often each of its clocks is read."""

    def __init__(self) -> None:
        super().__init__(EMULATOR_EPOCH)
        self.monotonic_reads = 0
        self.wall_reads = 0

    def monotonic(self) -> float:
        self.monotonic_reads += 1
        return super().monotonic()

    def now(self) -> datetime:
        self.wall_reads += 1
        return super().now()


def work(value: int) -> int:
    return value


def test_a_gated_call_reads_the_monotonic_clock_once_and_never_the_wall_clock(
    make_guard: GuardFactory, keymint_seed: Seed
) -> None:
    clock = CountingClock()
    guard = make_guard(clock=clock)
    guard.activate(keymint_seed.license_key)
    plain, featured = guard.require()(work), guard.require(FEATURE)(work)
    clock.monotonic_reads = clock.wall_reads = 0
    for value in range(1000):
        assert plain(value) == value
        assert featured(value) == value
    assert (clock.monotonic_reads, clock.wall_reads) == (2000, 0)


def test_a_gated_call_needs_no_lease_file(activated: LicenseGuard) -> None:
    gated = activated.require(FEATURE)(work)
    activated.store.path.unlink()  # within the admission, the decision is already in memory
    assert gated(7) == 7


def test_gated_calls_run_while_a_slow_online_check_holds_the_guard(
    activated: LicenseGuard, keymint_emulator: Emulator
) -> None:
    gated = activated.require(FEATURE)(work)
    keymint_emulator.faults.latency(30, times=1)
    checking = threading.Thread(target=activated.revalidate, daemon=True)
    checking.start()
    while keymint_emulator.faults.active:  # taken by the request, which now waits 30 s
        time.sleep(0.005)
    try:
        calling = threading.Thread(target=lambda: [gated(1) for _ in range(1000)], daemon=True)
        calling.start()
        calling.join(timeout=10)
        assert not calling.is_alive(), "gated calls waited for the online check"
        assert checking.is_alive()  # the check was still in flight all along
    finally:
        keymint_emulator.faults.clear()
        checking.join(timeout=10)
