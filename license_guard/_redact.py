"""Showing secrets safely: at most their last four characters."""

from __future__ import annotations

__all__ = ["redact"]


def redact(secret: str | None) -> str:
    """Return ``"…WXYZ"`` for a secret ending in WXYZ; short or empty secrets show nothing.

    >>> redact("ABCDE-12345-FGHIJ-67890")
    '…7890'
    """
    if not secret:
        return "<none>"
    if len(secret) <= 8:
        return "…"
    return "…" + secret[-4:]
