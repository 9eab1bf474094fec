"""Repeated measurements and what is reported of them: the median and the spread around it.

This machine is shared, so one figure is never one run. A :class:`Sample` keeps every value;
the report shows its median and interquartile range. Variants that are compared run
*interleaved* (round after round, in rotating order) so that a burst of noise lands on all of
them alike, and a comparison is made per round (:func:`paired`) before it is summarised.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Sample", "difference", "interleaved", "paired", "ratio"]

T = TypeVar("T")


@dataclass(frozen=True)
class Sample:
    """Values of one quantity, in one unit, from repeated runs."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("a sample needs at least one value")

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        """A sample of *values* (at least one)."""
        return cls(tuple(float(value) for value in values))

    @property
    def median(self) -> float:
        """The middle value: the figure that is reported."""
        return statistics.median(self.values)

    @property
    def quartiles(self) -> tuple[float, float]:
        """The 25th and 75th percentiles: the spread that is reported."""
        if len(self.values) == 1:
            return self.values[0], self.values[0]
        low, _, high = statistics.quantiles(self.values, n=4, method="inclusive")
        return low, high

    @property
    def low(self) -> float:
        """The smallest value."""
        return min(self.values)

    @property
    def high(self) -> float:
        """The largest value."""
        return max(self.values)

    def scaled(self, factor: float) -> Sample:
        """Every value times *factor* (a change of unit)."""
        return Sample(tuple(value * factor for value in self.values))

    def summary(self) -> dict[str, float | int]:
        """Median, quartiles, extremes and count, for the JSON results."""
        p25, p75 = self.quartiles
        return {
            "median": self.median,
            "p25": p25,
            "p75": p75,
            "min": self.low,
            "max": self.high,
            "n": len(self.values),
        }


def paired(subject: Sample, baseline: Sample, combine: Callable[[float, float], float]) -> Sample:
    """``combine(subject[i], baseline[i])`` for each round *i*: a difference or a ratio measured
    under the same conditions, instead of one between two medians taken at different moments.

    Raises:
        ValueError: the samples do not have the same number of rounds.
    """
    if len(subject.values) != len(baseline.values):
        raise ValueError("paired samples need the same number of rounds")
    return Sample(
        tuple(combine(s, b) for s, b in zip(subject.values, baseline.values, strict=True))
    )


def difference(subject: Sample, baseline: Sample) -> Sample:
    """What *subject* adds to *baseline*, round by round."""
    return paired(subject, baseline, lambda s, b: s - b)


def ratio(subject: Sample, baseline: Sample) -> Sample:
    """*subject* as a multiple of *baseline*, round by round."""
    return paired(subject, baseline, lambda s, b: s / b)


def interleaved(
    rounds: int, variants: Mapping[str, Callable[[], T]], *, warmup: int = 1
) -> dict[str, list[T]]:
    """Run every variant once per round, starting each round one variant further along.

    Each callable returns one measurement. *warmup* rounds run first and are discarded (caches,
    bytecode, connection pools). Returns the *rounds* measurements of each variant, by name.
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    results: dict[str, list[T]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(variants[name]())
    return results
