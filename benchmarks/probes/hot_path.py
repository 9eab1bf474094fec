"""What a gated call does besides calling the function: clock reads, audited operations (files,
sockets, processes) and whether it waits for the guard's lock.

Argument: the number of gated calls to watch. Prints one JSON line.
"""

import collections
import json
import os
import sys
import threading
from datetime import datetime

from license_guard import KeymintBackend, LicenseGuard
from license_guard.clock import SystemClock


class CountingClock(SystemClock):
    """The system clock, counting how often it is read."""

    def __init__(self) -> None:
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


calls = int(sys.argv[1])
clock = CountingClock()
guard = LicenseGuard(
    app_id=os.environ["LG_BENCH_APP"],
    backend=KeymintBackend(
        product_id=os.environ["LG_BENCH_PRODUCT"],
        access_token=os.environ["LG_BENCH_TOKEN"],
        base_url=os.environ["LG_BENCH_URL"],
        features=frozenset({os.environ["LG_BENCH_FEATURE"]}),
    ),
    storage_dir=os.environ.get("LG_BENCH_STORAGE"),
    clock=clock,
)
guard.ensure_activated()
gated = guard.require()(work)
featured = guard.require(os.environ["LG_BENCH_FEATURE"])(work)

events: collections.Counter[str] = collections.Counter()
watching = False


def watch(event: str, args: object) -> None:
    if watching:
        events[event] += 1


sys.addaudithook(watch)
clock.monotonic_reads = clock.wall_reads = 0
watching = True
for _ in range(calls):
    gated(1)
    featured(1)
watching = False
reads = {"monotonic": clock.monotonic_reads, "wall": clock.wall_reads}

# The guard's lock is held by another thread (as during a slow online check): gated calls
# must still run, since the hot path never takes it.
held, release = threading.Event(), threading.Event()


def hold_lock() -> None:
    with guard._lock:  # the guard's internal lock, taken on purpose to prove the gate skips it
        held.set()
        release.wait()


holder = threading.Thread(target=hold_lock, daemon=True)
holder.start()
held.wait()
caller = threading.Thread(target=lambda: [gated(1) for _ in range(1000)], daemon=True)
caller.start()
caller.join(timeout=10)
runs_while_locked = not caller.is_alive()
release.set()
holder.join()

print(
    json.dumps(
        {
            "calls": 2 * calls,
            "monotonic_reads_per_call": reads["monotonic"] / (2 * calls),
            "wall_reads_per_call": reads["wall"] / (2 * calls),
            "audited_events": dict(events),
            "runs_while_lock_held": runs_while_locked,
        }
    )
)
