"""The background refresher's schedule spreads a fleet evenly from its very first day.

10,000 installs that start at the same instant each follow their own RefreshSchedule on a
virtual clock; the checks they make are counted per hour over two days.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from license_guard.refresh import RefreshSchedule

DAY = timedelta(hours=24)


def checks_per_hour(installs: int, *, hours: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    schedule = RefreshSchedule(interval=DAY, random=rng.random)
    counts = [0] * hours
    for _ in range(installs):
        at = schedule.first(DAY)
        while at < timedelta(hours=hours):
            counts[int(at / timedelta(hours=1))] += 1
            at += schedule.after_success()
    return counts


def test_a_fleet_started_at_once_checks_at_an_even_rate_from_the_first_day() -> None:
    counts = checks_per_hour(10_000, hours=48, seed=1)
    mean = sum(counts) / len(counts)
    # About 427 checks an hour, give or take 21 by chance alone. A uniform first check would
    # stack the second checks of early installs onto the last first checks: about 1.6 times
    # the mean in the hour the first day ends.
    assert max(counts) < 1.15 * mean
    assert min(counts) > 0.85 * mean


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999999])
def test_the_first_check_comes_before_it_is_due(draw: float) -> None:
    schedule = RefreshSchedule(interval=DAY, random=lambda: draw)
    for due_in in (timedelta(hours=3), DAY, 3 * DAY):
        first = schedule.first(due_in)
        assert timedelta(0) <= first < min(due_in, DAY)
    assert schedule.first(timedelta(0)) <= schedule.retry_initial


def test_without_jitter_the_first_check_is_uniform_before_it_is_due() -> None:
    schedule = RefreshSchedule(interval=DAY, jitter=0.0, random=lambda: 0.25)
    assert schedule.first(DAY) == DAY / 4
