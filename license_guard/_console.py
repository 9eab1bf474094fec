"""Small output and input helpers shared by the ``license-guard`` commands."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TextIO

from license_guard.errors import ConfigurationError

__all__ = ["format_when", "print_json", "read_key"]


def format_when(value: datetime | None) -> str | None:
    """``2026-11-23 18:00 UTC`` for a time, ``None`` for none."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else None


def print_json(payload: Mapping[str, Any], out: TextIO | None = None) -> None:
    """Pretty, sorted JSON, with non-ASCII text (the "…" of a key hint) kept as it is."""
    print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False), file=out)


def read_key(stream: TextIO) -> str:
    """A license key typed at a hidden prompt (a terminal) or the first line of a pipe.

    Raises:
        ConfigurationError: the pipe gave nothing.
    """
    if stream.isatty():
        import getpass

        return getpass.getpass("License key: ")
    key = stream.readline().strip()
    if not key:
        raise ConfigurationError("No license key given (pass it as an argument or on stdin).")
    return key
