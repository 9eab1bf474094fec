"""Request rates, per client address and per license key: token buckets in this process's memory.

The relay keeps no shared state, so each process counts for itself: behind a load balancer
that spreads a client over N processes, that client gets up to N times the rate. Size the
limits per process (docs/relay.md, "Limits"). The table of buckets is bounded: when it is full,
the buckets that have refilled completely (they hold no information) are dropped, then the
oldest.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter"]

_MAX_BUCKETS = 100_000


class RateLimiter:
    """Token buckets of *burst* tokens refilled at *rate* per second, one per name.

    A *rate* of 0 allows everything. Not thread-safe: the relay calls it from its event loop.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_buckets: int = _MAX_BUCKETS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._max = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, name: str) -> float | None:
        """Take one token for *name*: None when allowed, else the seconds until one is free."""
        if self.rate <= 0:
            return None
        now = self._monotonic()
        tokens, then = self._buckets.pop(name, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[name] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[name] = (tokens - 1, now)
        if len(self._buckets) > self._max:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        full = [
            name
            for name, (tokens, then) in self._buckets.items()
            if tokens + (now - then) * self.rate >= self.burst
        ]
        for name in full:
            del self._buckets[name]
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
