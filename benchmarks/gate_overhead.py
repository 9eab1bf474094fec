"""Figure 1: what ``@guard.require()`` adds to a call, and what its hot path touches."""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from typing import Any

from benchmarks.lab import FEATURE, Lab
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved, ratio

__all__ = ["measure"]

TARGET_NS = 1000.0


def work(value: int) -> int:
    """The function being gated: as cheap as a call gets, so the gate's cost is all that shows."""
    return value


def _per_call_ns(function: Callable[[int], int], calls: int) -> Callable[[], float]:
    timer = timeit.Timer("f(1)", globals={"f": function})
    return lambda: timer.timeit(calls) / calls * 1e9


def measure(lab: Lab, mode: Mode) -> Figure:
    """Time bare and gated calls in interleaved rounds; probe the hot path in a fresh process."""
    guard = lab.guard()
    try:
        guard.ensure_activated()
        plain = guard.require()(work)
        featured = guard.require(FEATURE)(work)
        if (plain(1), featured(1)) != (1, 1):  # a refusal raises; this is the licensed path
            raise RuntimeError("the gated function did not run")
        samples = {
            name: Sample.of(values)
            for name, values in interleaved(
                mode.gate_rounds,
                {
                    "bare": _per_call_ns(work, mode.gate_calls),
                    "plain": _per_call_ns(plain, mode.gate_calls),
                    "feature": _per_call_ns(featured, mode.gate_calls),
                },
            ).items()
        }
    finally:
        guard.close()
    bare = samples["bare"]
    added = {name: difference(samples[name], bare) for name in ("plain", "feature")}
    probe: dict[str, Any] = json.loads(lab.probe("hot_path", str(mode.gate_calls)).stdout)
    memory_only = (
        probe["monotonic_reads_per_call"] == 1.0
        and probe["wall_reads_per_call"] == 0.0
        and not probe["audited_events"]
        and probe["runs_while_lock_held"]
    )
    worst = max(added["plain"].median, added["feature"].median)
    return Figure(
        number=1,
        title="Gate overhead per call",
        rows=(
            Row("bare function call", bare, "ns"),
            Row("@guard.require()", samples["plain"], "ns", ratio(samples["plain"], bare), "bare"),
            Row(
                f'@guard.require("{FEATURE}")',
                samples["feature"],
                "ns",
                ratio(samples["feature"], bare),
                "bare",
            ),
            Row("added by @guard.require()", added["plain"], "ns"),
            Row(f'added by @guard.require("{FEATURE}")', added["feature"], "ns"),
        ),
        targets=(
            Target(
                "under 1 µs added per call",
                worst < TARGET_NS,
                f"{number(added['plain'].median)} ns and {number(added['feature'].median)} ns",
            ),
            Target(
                "hot path reads memory only",
                memory_only,
                f"{probe['monotonic_reads_per_call']:g} monotonic and "
                f"{probe['wall_reads_per_call']:g} wall-clock reads per call, "
                f"{sum(probe['audited_events'].values())} audited operations in "
                f"{probe['calls']} calls, runs while the guard's lock is held: "
                f"{'yes' if probe['runs_while_lock_held'] else 'no'}",
            ),
        ),
        notes=(f"{mode.gate_calls} calls per variant per round, timeit (garbage collector off)",),
        data={"hot_path": probe},
    )
