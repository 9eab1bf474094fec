"""Figure 5: how evenly the background refresher of a whole fleet loads the server.

10,000 installs start at the same instant with a freshly checked lease (the next check due in
``revalidate_every`` = 24 h), and each runs :class:`~license_guard.refresh.RefreshSchedule` as
the :class:`~license_guard.refresh.BackgroundRefresher` does, on a virtual clock: no threads, no
sleeping. Every check is one ``revalidate()``, which Keymint answers with two requests (get-key,
activate-key). The figure is the busiest minute of a day over the mean minute of that day.

Installs that do not talk to each other draw their times independently, so the number of checks
in a minute is a sum of independent coin flips: about Poisson with the mean as its variance. The
figure also computes what that alone implies (:func:`poisson_peak`), and the smallest fleet for
which a busiest minute of at most twice the mean becomes the typical outcome.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from benchmarks.lab import Lab
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample
from license_guard.refresh import RefreshSchedule

__all__ = ["day_ratios", "measure", "peak_ratio", "poisson_peak", "simulate"]

INTERVAL = timedelta(hours=24)
MINUTES_PER_DAY = 24 * 60
REQUESTS_PER_CHECK = 2
TARGET_RATIO = 2.0


class Schedule(Protocol):
    """The part of RefreshSchedule the refresher uses while the server answers."""

    def first(self, due_in: timedelta) -> timedelta: ...

    def after_success(self) -> timedelta: ...


class UniformStart(RefreshSchedule):
    """The first check uniformly at random before it is due: the naive spread, for comparison."""

    def first(self, due_in: timedelta) -> timedelta:
        return min(due_in, self.interval) * self.random()


class OnTheDot:
    """No jitter at all: every install checks exactly when its lease falls due."""

    def first(self, due_in: timedelta) -> timedelta:
        return due_in

    def after_success(self) -> timedelta:
        return INTERVAL


def simulate(
    installs: int, days: int, schedule: Callable[[random.Random], Schedule], *, seed: int
) -> list[int]:
    """Checks per minute of *installs* over *days*, all started at minute 0."""
    rng = random.Random(seed)  # noqa: S311  a reproducible simulation, not a secret
    horizon = days * MINUTES_PER_DAY
    counts = [0] * horizon
    for _ in range(installs):
        plan = schedule(rng)
        minute = plan.first(INTERVAL).total_seconds() / 60
        while minute < horizon:
            counts[int(minute)] += 1
            minute += plan.after_success().total_seconds() / 60
    return counts


def day_ratios(counts: Sequence[int]) -> list[float]:
    """Busiest minute over mean minute, for each whole day of *counts*."""
    days = range(0, len(counts) - MINUTES_PER_DAY + 1, MINUTES_PER_DAY)
    return [peak_ratio(counts[start : start + MINUTES_PER_DAY]) for start in days]


def peak_ratio(minutes: Sequence[int]) -> float:
    """The largest of *minutes* over their mean."""
    return max(minutes) / (sum(minutes) / len(minutes))


def poisson_peak(mean: float, *, bins: int = MINUTES_PER_DAY) -> tuple[int, float]:
    """For *bins* independent Poisson(*mean*) counts: the median of the largest, and the chance
    that the largest is at most twice *mean*."""
    term, cdf, k, median_peak = math.exp(-mean), 0.0, 0, None
    limit = math.floor(TARGET_RATIO * mean)
    within_target = 0.0
    while median_peak is None or k <= limit:
        cdf += term
        if k == limit:
            within_target = cdf**bins
        if median_peak is None and cdf**bins >= 0.5:
            median_peak = k
        k += 1
        term *= mean / k
    return median_peak, within_target


def smallest_even_fleet(checks_per_install_per_day: float) -> int:
    """The smallest fleet, to the thousand, for which a busiest minute within twice the mean has
    a chance of at least one half, if minutes are independent Poisson counts."""
    installs = 1000
    while True:
        mean = installs * checks_per_install_per_day / MINUTES_PER_DAY
        if poisson_peak(mean)[1] >= 0.5:
            return installs
        installs += 1000


def _jittered(rng: random.Random) -> Schedule:
    return RefreshSchedule(interval=INTERVAL, random=rng.random)


def _uniform(rng: random.Random) -> Schedule:
    return UniformStart(interval=INTERVAL, random=rng.random)


def measure(lab: Lab | None, mode: Mode) -> Figure:
    """Simulate the fleet for several seeds; needs no lab (the clock is virtual)."""
    del lab
    installs, days = mode.fleet_installs, mode.fleet_days
    runs = [simulate(installs, days, _jittered, seed=seed) for seed in range(mode.fleet_seeds)]
    naive = [simulate(installs, days, _uniform, seed=seed) for seed in range(mode.fleet_seeds)]
    on_the_dot = simulate(installs, 2, lambda rng: OnTheDot(), seed=0)  # all due at minute 1440
    ratios = [day_ratios(counts) for counts in runs]
    day_one = Sample.of([r[0] for r in ratios])
    worst = Sample.of([max(r) for r in ratios])
    naive_ratios = [day_ratios(counts) for counts in naive]
    mean_checks = statistics.mean(sum(c[:MINUTES_PER_DAY]) / MINUTES_PER_DAY for c in runs)
    peak, chance = poisson_peak(mean_checks)
    per_install = mean_checks * MINUTES_PER_DAY / installs
    busiest = Sample.of([max(c[:MINUTES_PER_DAY]) * REQUESTS_PER_CHECK for c in runs])
    mean = Sample.of(
        [sum(c[:MINUTES_PER_DAY]) * REQUESTS_PER_CHECK / MINUTES_PER_DAY for c in runs]
    )
    dot_ratio = Sample.of([peak_ratio(on_the_dot[MINUTES_PER_DAY:])])
    rows = (
        Row("mean minute, day 1", mean, "req/min"),
        Row("busiest minute, day 1", busiest, "req/min"),
        Row("busiest / mean, day 1", day_one, "x"),
        Row(f"busiest / mean, worst of {days} days", worst, "x"),
        Row("  naive uniform first check: day 1", Sample.of([r[0] for r in naive_ratios]), "x"),
        Row(
            f"  naive uniform first check: worst of {days} days",
            Sample.of([max(r) for r in naive_ratios]),
            "x",
        ),
        Row("  no jitter (all check when due): day 2", dot_ratio, "x"),
    )
    return Figure(
        number=5,
        title=f"Fleet of {installs} installs started at once, revalidate_every 24 h",
        rows=rows,
        targets=(
            Target(
                "busiest minute at most 2x the mean minute",
                day_one.median <= TARGET_RATIO,
                f"{number(day_one.median)}x on day 1 (median of {mode.fleet_seeds} fleets), "
                f"{number(worst.median)}x on the worst of {days} days",
            ),
        ),
        notes=(
            f"{mode.fleet_seeds} simulated fleets (seeds 0-{mode.fleet_seeds - 1}), 1-minute bins, "
            f"{REQUESTS_PER_CHECK} requests per check",
            f"independent installs alone imply: busiest minute {peak} checks for a mean of "
            f"{number(mean_checks)} ({number(peak / mean_checks)}x); chance of at most 2x: "
            f"{chance:.1e}",
            f"at {number(per_install)} checks per install per day, at most 2x becomes the typical "
            f"outcome from about {smallest_even_fleet(per_install)} installs",
        ),
        data={
            "day_ratios": ratios,
            "naive_day_ratios": naive_ratios,
            "poisson_median_peak": peak,
            "poisson_chance_within_target": chance,
        },
    )
