"""Time sources, injected wherever the library needs "now".

Wall-clock time (:meth:`Clock.now`) decides expiry and grace and can be wrong or tampered with;
monotonic time (:meth:`Clock.monotonic`) only measures durations (deadlines, the gate's cache).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

from license_guard.errors import ConfigurationError

__all__ = [
    "EARLIEST",
    "LATEST",
    "Clock",
    "Deadline",
    "ManualClock",
    "SystemClock",
    "later",
    "parse_http_date",
    "parse_iso8601",
    "shift",
    "utc",
]

#: The latest and earliest representable aware times: where sums of times and durations stop.
LATEST = datetime.max.replace(tzinfo=timezone.utc)
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
# A server time outside these years is a broken or hostile server, not the time.
_PLAUSIBLE_YEARS = range(2000, 2200)


def utc(value: datetime) -> datetime:
    """Return *value* as an aware UTC datetime; a naive value is taken to be UTC already.

    Raises:
        OverflowError: converting it to UTC leaves the representable range (year 1 or 9999).
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def later(when: datetime, delta: timedelta) -> datetime:
    """``when + delta``, stopping at :data:`LATEST` instead of overflowing."""
    try:
        return when + delta
    except OverflowError:
        return LATEST


def shift(when: datetime, delta: timedelta) -> datetime:
    """``when + delta`` for a delta of either sign, stopping at the representable ends."""
    try:
        return when + delta
    except OverflowError:
        return LATEST if delta > timedelta(0) else EARLIEST


def parse_iso8601(value: object) -> datetime:
    """An ISO 8601 timestamp with a zone (``Z`` accepted on every Python) as aware UTC.

    Raises:
        ValueError: not a string, not ISO 8601, without a zone, or out of range.
    """
    if not isinstance(value, str):
        raise ValueError("a timestamp must be a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            raise ValueError(f"timestamp {value!r} has no time zone")
        return utc(parsed)
    except OverflowError as exc:
        raise ValueError(f"timestamp {value!r} is out of range") from exc


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date (``Date``, ``Retry-After``) as aware UTC; ``None`` when absent, unreadable,
    or outside the years a real server's clock can show."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        parsed = utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.year in _PLAUSIBLE_YEARS else None


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


class Deadline:
    """An end time on the monotonic clock, shared by every request of one operation."""

    def __init__(self, seconds: float, *, clock: Clock) -> None:
        if seconds <= 0:
            raise ConfigurationError("A deadline must be a positive number of seconds.")
        self.seconds = seconds
        self._clock = clock
        self._end = clock.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; zero or less once the deadline has passed."""
        return self._end - self._clock.monotonic()

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g}s, {self.remaining():.3f}s left)"
