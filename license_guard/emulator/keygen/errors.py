"""The refusals of the emulated Keygen API, exactly as they go on the wire."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from license_guard.emulator.errors import EmulatorError

__all__ = ["KeygenApiError"]


class KeygenApiError(EmulatorError):
    """One JSON:API error object and its HTTP status.

    ``source`` is ``{"pointer": ...}``, ``{"parameter": ...}`` or ``{"header": ...}`` when the
    error is about one part of the request. The title defaults to Keygen's title for the status.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        detail: str,
        *,
        title: str | None = None,
        source: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or _TITLES.get(status, HTTPStatus(status).phrase)
        self.source = source

    def to_json(self) -> dict[str, Any]:
        """The error object of the ``errors`` array (empty members left out, as Keygen does)."""
        document: dict[str, Any] = {"title": self.title, "detail": self.detail}
        if self.code:
            document["code"] = self.code
        if self.source:
            document["source"] = self.source
        return document

    def __repr__(self) -> str:
        return f"KeygenApiError({self.status}, {self.code}, {self.detail!r})"


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Access denied",
    404: "Not found",
    422: "Unprocessable resource",
}
