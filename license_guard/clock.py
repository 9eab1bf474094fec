"""Time sources, injected wherever the library needs "now".

Wall-clock time (:meth:`Clock.now`) decides expiry and grace and can be wrong or tampered with;
monotonic time (:meth:`Clock.monotonic`) only measures durations (deadlines, the gate's cache).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "utc"]


def utc(value: datetime) -> datetime:
    """Return *value* as an aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Clock(Protocol):
    """What the library asks of a clock."""

    def now(self) -> datetime:
        """Current wall-clock time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait *seconds* (used between retries)."""
        ...


class SystemClock:
    """The real clocks of this machine."""

    def now(self) -> datetime:
        """``datetime.now(timezone.utc)``."""
        return datetime.now(timezone.utc)

    # The builtin itself, not a method wrapping it: the gate reads it on every gated call.
    monotonic = staticmethod(time.monotonic)

    def sleep(self, seconds: float) -> None:
        """``time.sleep(seconds)``."""
        time.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to: for tests, demos and simulations.

    ``sleep`` advances both clocks instantly, so retry loops run at full speed.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start is not None else datetime.now(timezone.utc)
        self._monotonic = 1000.0

    def now(self) -> datetime:
        """The current fake wall time."""
        return self._now

    def monotonic(self) -> float:
        """The current fake monotonic time."""
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        """Advance both clocks by *seconds* without waiting."""
        self.advance(timedelta(seconds=max(0.0, seconds)))

    def advance(self, delta: timedelta) -> None:
        """Move wall time and monotonic time forward by *delta*."""
        if delta < timedelta(0):
            raise ValueError("use set() to move a ManualClock backwards")
        self._now += delta
        self._monotonic += delta.total_seconds()

    def set(self, value: datetime) -> None:
        """Set wall time to *value* (backwards allowed, as a user changing the clock would).

        Monotonic time is left alone: it never goes backwards.
        """
        self._now = utc(value)

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
