"""What a gated call does besides calling the function: clock reads, audited operations (files,
sockets, processes) and whether it waits for the guard's lock.

Argument: the number of gated calls to watch. Prints one JSON line.
"""

import collections
import json
import os
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from bench_app import app_guard

from license_guard.clock import SystemClock

T = TypeVar("T")


class Counted(Generic[T]):
    """A clock reading that counts how often it is taken."""

    def __init__(self, read: Callable[[], T]) -> None:
        self.read = read
        self.calls = 0

    def __call__(self) -> T:
        self.calls += 1
        return self.read()


def work(value: int) -> int:
    return value


calls = int(sys.argv[1])
clock = SystemClock()
monotonic, wall = Counted(clock.monotonic), Counted(clock.now)
# Counted readings on this one clock object; the guard reads its clock through these.
clock.monotonic, clock.now = monotonic, wall  # type: ignore[method-assign]
guard = app_guard(clock=clock)
guard.ensure_activated()
gated = guard.require()(work)
featured = guard.require(os.environ["LG_BENCH_FEATURE"])(work)

events: collections.Counter[str] = collections.Counter()
watching = False


def watch(event: str, args: object) -> None:
    if watching:
        events[event] += 1


sys.addaudithook(watch)
monotonic.calls = wall.calls = 0
watching = True
for _ in range(calls):
    gated(1)
    featured(1)
watching = False
reads = {"monotonic": monotonic.calls, "wall": wall.calls}

# The guard's locks are held by another thread (as during a slow online check): gated calls
# must still run, since the hot path takes neither.
held, release = threading.Event(), threading.Event()


def hold_lock() -> None:
    # The guard's internal locks, taken on purpose to prove the gate skips them.
    with guard._ops, guard._state:
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
