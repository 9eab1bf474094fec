"""Faults the emulator can inject, switched on and off while it runs.

Each switch takes ``times=``: the fault acts on that many of the next requests and then switches
itself off (None: until :meth:`Faults.clear`). Switching a fault on again replaces its settings.

Two layers consult them. The socket layer (the HTTP server's request handler, or the in-process
transport) takes :class:`Hang` and :class:`Reset`, which never produce an HTTP answer. The WSGI
app takes the rest: :class:`Latency` delays the request, then at most one answer fault replaces
the API's answer, checked in this order: :class:`RateLimit`, :class:`ServerError`,
:class:`CaptivePortal`, and last the per-token :class:`TokenRateLimit`.

Waiting (latency, hang) is in real time, whatever the emulator's clock: it acts on a client's
real sockets and timeouts. Every wait ends early on :meth:`Faults.clear` or on the server's stop
event, so a test or a shutdown never waits on a forgotten fault. The token rate limit's window is
measured with the emulator's clock, so a test moves a ManualClock instead of waiting it out.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from enum import Enum
from typing import ClassVar

from license_guard.clock import Clock

__all__ = [
    "AnswerFault",
    "CaptivePortal",
    "Fault",
    "FaultKind",
    "Faults",
    "Hang",
    "Latency",
    "RateLimit",
    "Reset",
    "ServerError",
    "SocketFault",
    "TokenLimited",
    "TokenRateLimit",
]

# How often a wait looks at the server's stop event (clear() wakes it at once).
_POLL_SECONDS = 0.05


class FaultKind(Enum):
    """The faults by name; the values are the names the CLI and the control endpoint use."""

    LATENCY = "latency"
    HANG = "hang"
    RESET = "reset"
    RATE_LIMIT = "rate-limit"
    SERVER_ERROR = "error"
    CAPTIVE_PORTAL = "portal"
    TOKEN_RATE_LIMIT = "token-limit"  # noqa: S105  a fault's name, not a password


@dataclass(frozen=True)
class Latency:
    """Delay each request by ``seconds`` before answering it (normally, or with another fault)."""

    seconds: float
    kind: ClassVar[FaultKind] = FaultKind.LATENCY


@dataclass(frozen=True)
class Hang:
    """Accept the connection, read the request, never answer."""

    kind: ClassVar[FaultKind] = FaultKind.HANG


@dataclass(frozen=True)
class Reset:
    """Read the request, then reset the connection (TCP RST)."""

    kind: ClassVar[FaultKind] = FaultKind.RESET


@dataclass(frozen=True)
class RateLimit:
    """Answer 429 with ``Retry-After: retry_after`` (seconds, or an HTTP date) and a body that
    is not JSON."""

    retry_after: str
    kind: ClassVar[FaultKind] = FaultKind.RATE_LIMIT


@dataclass(frozen=True)
class ServerError:
    """Answer ``status`` (5xx) with an HTML page, as a proxy in front of the API would."""

    status: int
    kind: ClassVar[FaultKind] = FaultKind.SERVER_ERROR


@dataclass(frozen=True)
class CaptivePortal:
    """Answer 200 with a Wi-Fi sign-in page in HTML."""

    kind: ClassVar[FaultKind] = FaultKind.CAPTIVE_PORTAL


@dataclass(frozen=True)
class TokenRateLimit:
    """Answer 429 JSON (code 3) once one token has sent ``max_requests`` within ``per_seconds``."""

    max_requests: int
    per_seconds: float
    kind: ClassVar[FaultKind] = FaultKind.TOKEN_RATE_LIMIT


@dataclass(frozen=True)
class TokenLimited:
    """The verdict of :class:`TokenRateLimit` on one request: refused, retry after so long."""

    retry_after: int


Fault = Latency | Hang | Reset | RateLimit | ServerError | CaptivePortal | TokenRateLimit
SocketFault = Hang | Reset
AnswerFault = RateLimit | ServerError | CaptivePortal | TokenLimited


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None


def _check_times(times: int | None) -> int | None:
    if times is not None and times < 1:
        raise ValueError(f"times must be at least 1 (or None for no limit), not {times}")
    return times


class Faults:
    """The switched-on faults of one emulator. Thread-safe; every switch works at run time."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._armed: dict[FaultKind, _Armed] = {}
        # Set (and replaced) by clear(): wakes every wait that began before it.
        self._release = threading.Event()
        # Per token: monotonic times of the requests counted in the current window.
        self._token_hits: dict[str, deque[float]] = {}

    # Switching faults on and off.

    def latency(self, seconds: float, *, times: int | None = None) -> None:
        """Delay requests by *seconds* (>= 0). Raises :class:`ValueError` otherwise."""
        if not seconds >= 0:
            raise ValueError(f"latency must be zero or more seconds, not {seconds}")
        self._arm(Latency(float(seconds)), times)

    def hang(self, *, times: int | None = None) -> None:
        """Accept connections and never answer them."""
        self._arm(Hang(), times)

    def reset(self, *, times: int | None = None) -> None:
        """Reset connections after reading the request."""
        self._arm(Reset(), times)

    def rate_limit(self, retry_after: int | datetime = 1, *, times: int | None = None) -> None:
        """Answer 429 with ``Retry-After: retry_after`` and a text body: whole seconds >= 0,
        or, for an aware datetime, that moment as an HTTP date (the header's other form)."""
        if isinstance(retry_after, datetime):
            if retry_after.tzinfo is None:
                raise ValueError("retry_after must be an aware datetime")
            header = format_datetime(retry_after.astimezone(timezone.utc), usegmt=True)
        elif retry_after < 0:
            raise ValueError(f"retry_after must be zero or more seconds, not {retry_after}")
        else:
            header = str(int(retry_after))
        self._arm(RateLimit(header), times)

    def server_error(self, status: int = 503, *, times: int | None = None) -> None:
        """Answer *status* (500..599) with an HTML page. Raises :class:`ValueError` otherwise."""
        if not 500 <= status <= 599:
            raise ValueError(f"a server error is a 5xx status, not {status}")
        self._arm(ServerError(status), times)

    def captive_portal(self, *, times: int | None = None) -> None:
        """Answer 200 with an HTML sign-in page instead of the API's JSON."""
        self._arm(CaptivePortal(), times)

    def token_rate_limit(
        self, max_requests: int, per_seconds: float, *, times: int | None = None
    ) -> None:
        """Allow each access token *max_requests* (>= 1) per *per_seconds* (> 0), then 429/3."""
        if max_requests < 1 or not per_seconds > 0:
            raise ValueError("token_rate_limit needs max_requests >= 1 and per_seconds > 0")
        with self._lock:
            self._token_hits.clear()
        self._arm(TokenRateLimit(max_requests, float(per_seconds)), times)

    def clear(self) -> None:
        """Switch every fault off and end every latency or hang in progress."""
        with self._lock:
            self._armed.clear()
            self._token_hits.clear()
            self._release.set()
            self._release = threading.Event()

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults switched on now."""
        with self._lock:
            return tuple(armed.fault for armed in self._armed.values())

    def _arm(self, fault: Fault, times: int | None) -> None:
        armed = _Armed(fault, _check_times(times))
        with self._lock:
            self._armed[fault.kind] = armed

    # What the server, the transport and the WSGI app ask for each request.

    def take_socket_fault(self) -> SocketFault | None:
        """The socket fault this request meets (a hang before a reset), counted against times."""
        with self._lock:
            for kind in (FaultKind.HANG, FaultKind.RESET):
                fault = self._use(kind)
                if isinstance(fault, (Hang, Reset)):
                    return fault
        return None

    def take_latency(self) -> float:
        """Seconds to delay this request (0.0 when latency is off), counted against times."""
        with self._lock:
            fault = self._use(FaultKind.LATENCY)
        return fault.seconds if isinstance(fault, Latency) else 0.0

    def take_answer(self, token: str) -> AnswerFault | None:
        """The answer that replaces the API's for this request, if any.

        *token* is the request's bearer token as sent (empty when none): the per-token limit
        counts each distinct value, valid or not.
        """
        with self._lock:
            for kind in (FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.CAPTIVE_PORTAL):
                fault = self._use(kind)
                if isinstance(fault, (RateLimit, ServerError, CaptivePortal)):
                    return fault
            limit = self._use(FaultKind.TOKEN_RATE_LIMIT)
            if isinstance(limit, TokenRateLimit):
                return self._count(token, limit)
        return None

    def pause(self, seconds: float | None, *, stop: threading.Event | None = None) -> bool:
        """Wait *seconds* of real time (None: without end) unless cut short.

        Returns True when :meth:`clear` or the *stop* event ended the wait early.
        """
        with self._lock:
            release = self._release
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            if release.is_set() or (stop is not None and stop.is_set()):
                return True
            left = _POLL_SECONDS if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return False
            release.wait(min(left, _POLL_SECONDS))

    def _use(self, kind: FaultKind) -> Fault | None:
        """The armed fault of *kind*, counting one use; call with the lock held."""
        armed = self._armed.get(kind)
        if armed is None:
            return None
        if armed.remaining is not None:
            armed.remaining -= 1
            if armed.remaining == 0:
                del self._armed[kind]
        return armed.fault

    def _count(self, token: str, limit: TokenRateLimit) -> TokenLimited | None:
        """Count one request of *token* in a sliding window; call with the lock held."""
        now = self._clock.monotonic()
        hits = self._token_hits.setdefault(token, deque())
        while hits and hits[0] <= now - limit.per_seconds:
            hits.popleft()
        if len(hits) >= limit.max_requests:
            return TokenLimited(max(1, math.ceil(hits[0] + limit.per_seconds - now)))
        hits.append(now)
        return None
