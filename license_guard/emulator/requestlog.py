"""What the emulator was asked, for tests that count calls ("it retried 3 times").

A record keeps the method, path, status, time and fault; of the access token only its last four
characters, and never the license key (it travels in the body, which is not kept).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from license_guard.emulator.faults import FaultKind

__all__ = ["RequestLog", "RequestRecord"]


@dataclass(frozen=True)
class RequestRecord:
    """One request that reached the emulator (control requests under ``/_emulator/`` excluded)."""

    at: datetime
    method: str
    path: str
    #: The HTTP status answered; None when a hang or reset fault sent no answer.
    status: int | None
    #: The bearer token as ``"…WXYZ"``; ``"<none>"`` when the request carried none.
    token: str
    #: The fault that shaped the answer (latency included), or None.
    fault: FaultKind | None = None


class RequestLog:
    """A thread-safe, append-only list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Append *record*."""
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        """A copy of every record so far, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
