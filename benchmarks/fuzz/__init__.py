"""The fuzz campaign: mutated leases and hostile server answers against the public API.

    python -m benchmarks.fuzz                       # the full campaign (about half an hour)
    python -m benchmarks.fuzz --leases 2000 --answers 500 --seed 7

Two parts, each for Keymint and Keygen: a real lease's bytes mutated and opened offline by a fresh
guard (:mod:`.leases`), and a server whose answers to every endpoint are mutated versions of the
emulator's (:mod:`.answers`). It reports, per part and vendor, the tries, the acceptances (must
be 0) and the exceptions outside the LicenseError tree (must be 0). Only public import paths are
used. The latest full figures are in docs/threat-model.md ("Fuzz campaign").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from benchmarks.fuzz.answers import answer_chunk
from benchmarks.fuzz.leases import lease_chunk
from benchmarks.fuzz.tally import Tally
from benchmarks.fuzz.world import KINDS

__all__ = ["Campaign", "run_campaign"]

LEASE_CHUNK = 25_000
ANSWER_CHUNK = 2_500
#: Try numbers of chunks start this far apart (a chunk runs until it made its count).
STRIDE = 10_000_000

Campaign = dict[str, Tally]


def _chunks(total: int, size: int, stride: int) -> Iterator[tuple[int, int]]:
    done = 0
    number = 0
    while done < total:
        count = min(size, total - done)
        yield number * stride, count
        done += count
        number += 1


def run_campaign(
    *,
    leases: int,
    answers: int,
    seed: int,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[Campaign, dict[str, float]]:
    """Run *leases* lease mutations and *answers* mutated answers, each split evenly between
    Keymint and Keygen, over *workers* processes (1: in this process). Returns the tallies by
    name and the wall time of each."""
    jobs: list[tuple[str, Callable[[str, int, int, int], Tally], str, int, int]] = []
    for kind in KINDS:
        for first, count in _chunks(leases // len(KINDS), LEASE_CHUNK, STRIDE):
            jobs.append((f"{kind} leases", lease_chunk, kind, first, count))
        for first, count in _chunks(answers // len(KINDS), ANSWER_CHUNK, STRIDE):
            jobs.append((f"{kind} answers", answer_chunk, kind, first, count))
    campaign: Campaign = {}
    walls: dict[str, float] = {}
    started = time.perf_counter()

    def add(name: str, tally: Tally) -> None:
        campaign.setdefault(name, Tally(name)).merge(tally)
        walls[name] = walls.get(name, 0.0) + tally.seconds
        if progress is not None:
            total = campaign[name]
            progress(
                f"{time.perf_counter() - started:7.0f} s  {name}: {total.tries:,} tries, "
                f"{total.acceptances} accepted, {total.foreign} foreign"
            )

    if workers <= 1:
        for name, function, kind, first, count in jobs:
            add(name, function(kind, first, count, seed))
    else:
        # spawn, not fork: the parent may hold threads (pytest, httpx pools) a fork would copy.
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [
                (name, pool.submit(function, kind, first, count, seed))
                for name, function, kind, first, count in jobs
            ]
            for name, future in futures:
                add(name, future.result())
    # Chunks of one name ran side by side: its wall time is its CPU time over the workers.
    return campaign, {name: seconds / max(1, workers) for name, seconds in walls.items()}


def default_workers() -> int:
    """Two processes where there are two cores or more (the machine this was written on)."""
    return max(1, min(2, os.cpu_count() or 1))
