"""HTTP answers as values: the API's JSON, its JSON errors, and the pages faults send instead."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.faults import (
    AnswerFault,
    CaptivePortal,
    RateLimit,
    ServerError,
)
from license_guard.emulator.keymint.service import Message

__all__ = ["Response", "error", "fault_response", "json_response", "refusal", "unknown_endpoint"]

_JSON = "application/json"
_HTML = "text/html; charset=utf-8"

_PORTAL_PAGE = """<!DOCTYPE html>
<html><head><title>Sign in to Wi-Fi</title></head>
<body><h1>Welcome to Guest Wi-Fi</h1>
<form method="post" action="/login"><label>Room number <input name="room"></label>
<button>Connect</button></form></body></html>
"""


@dataclass(frozen=True)
class Response:
    """One HTTP answer, before the ``Date`` header is stamped on it."""

    status: int
    body: bytes
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def status_line(self) -> str:
        """``"404 Not Found"``: the WSGI status string."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def json_response(
    status: int,
    payload: Mapping[str, Any] | list[Any],
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A JSON answer with extra *headers*."""
    return Response(status, json.dumps(payload).encode(), _JSON, headers)


def error(
    status: int, code: Code, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """The API's error shape: ``{"message": message, "code": code}``."""
    return json_response(status, {"message": message, "code": code}, headers)


def unknown_endpoint(path: str) -> Response:
    """404/1 for a path the emulator does not serve."""
    return error(404, Code.REQUEST, f"Unknown endpoint {path}")


def refusal(exc: KeymintError) -> Response:
    """The JSON error a :class:`KeymintError` stands for."""
    return error(exc.status, exc.code, exc.message)


def _html_page(status: int) -> bytes:
    phrase = f"{status} {HTTPStatus(status).phrase}"
    return (
        f"<html><head><title>{phrase}</title></head><body><center><h1>{phrase}</h1></center>"
        "<hr><center>nginx</center></body></html>\n"
    ).encode()


def fault_response(fault: AnswerFault) -> Response:
    """What the client receives for an HTTP-level fault."""
    if isinstance(fault, RateLimit):
        return Response(429, _html_page(429), _HTML, (("Retry-After", fault.retry_after),))
    if isinstance(fault, ServerError):
        return Response(fault.status, _html_page(fault.status), _HTML)
    if isinstance(fault, CaptivePortal):
        return Response(200, _PORTAL_PAGE.encode(), _HTML)
    retry_after = (("Retry-After", str(fault.retry_after)),)
    return error(429, Code.RATE_LIMITED, Message.RATE_LIMITED, retry_after)
