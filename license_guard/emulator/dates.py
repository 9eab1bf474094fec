"""Dates as the Keymint API writes and reads them, and as HTTP's ``Date`` header wants them."""

from __future__ import annotations

import calendar
from datetime import datetime
from email.utils import format_datetime

from license_guard.clock import utc

__all__ = ["http_date", "iso_ms_z", "iso_z", "one_month_after", "parse_iso8601"]


def iso_z(value: datetime) -> str:
    """``2024-12-31T23:59:59Z``: whole seconds in UTC, as get-key shows dates."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(value: datetime) -> str:
    """``2025-10-01T18:45:49.305Z``: milliseconds in UTC, as generation 2 writes dates."""
    return utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(value: datetime) -> str:
    """RFC 7231 IMF-fixdate, e.g. ``Tue, 31 Dec 2024 23:59:59 GMT``."""
    return format_datetime(utc(value), usegmt=True)


def parse_iso8601(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    Accepts a trailing ``Z`` (Python 3.10's parser does not), an offset, or no zone at all (taken
    as UTC), and a bare date (midnight UTC). Raises :class:`ValueError` for anything else.
    """
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return utc(datetime.fromisoformat(text))


def one_month_after(value: datetime) -> datetime:
    """The same day and time one calendar month later, clamped to the end of a shorter month.

    >>> one_month_after(datetime(2025, 1, 31, 12, 0)).date().isoformat()
    '2025-02-28'
    """
    year, month = (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)
    last_day = calendar.monthrange(year, month)[1]
    return value.replace(year=year, month=month, day=min(value.day, last_day))
