"""Reading a request out of a WSGI environ: method, path, query, headers, bearer token, address,
JSON body."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from license_guard.emulator.errors import Code, KeymintError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["MAX_BODY_BYTES", "STOP_EVENT_KEY", "Request", "bearer_token"]

#: Bodies of the API are a few hundred bytes; refuse anything absurd rather than buffer it.
MAX_BODY_BYTES = 64 * 1024

#: Environ key under which the HTTP server passes its stop event, so waits end at shutdown.
STOP_EVENT_KEY = "license_guard.emulator.stop"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when absent or malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


@dataclass(frozen=True)
class Request:
    """The parts of a WSGI request the emulator looks at."""

    method: str
    path: str
    remote_addr: str
    #: The bearer token, when the Authorization header is well formed. Kept out of the repr.
    token: str | None = field(repr=False)
    body: bytes = field(repr=False)
    #: The HTTP server's stop event (None in process): waits end when it is set.
    stop: threading.Event | None = None
    #: Query parameters (the first value of each name). Kept out of the repr: it may hold a key.
    query: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Request headers by lower-case name (``x-license-key``), Authorization included.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment) -> Request:
        """Read the request, its body included (at most ``MAX_BODY_BYTES + 1`` bytes)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(min(length, MAX_BODY_BYTES + 1)) if length > 0 else b""
        stop = environ.get(STOP_EVENT_KEY)
        query: dict[str, str] = {}
        for name, value in parse_qsl(str(environ.get("QUERY_STRING") or ""), True):
            query.setdefault(name, value)
        headers = {
            name[5:].replace("_", "-").lower(): str(value)
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=str(environ.get("PATH_INFO") or "/"),
            remote_addr=str(environ.get("REMOTE_ADDR", "")),
            token=bearer_token(environ.get("HTTP_AUTHORIZATION")),
            body=body,
            stop=stop if isinstance(stop, threading.Event) else None,
            query=query,
            headers=headers,
        )

    def json_object(self, *, empty_ok: bool = False) -> dict[str, Any]:
        """The body as a JSON object (``{}`` for an empty body when *empty_ok*).

        Raises :class:`KeymintError`: 413/1 when it is too large, 400/1 when it is empty, not
        JSON, or JSON but not an object.
        """
        if empty_ok and not self.body.strip():
            return {}
        if len(self.body) > MAX_BODY_BYTES:
            raise KeymintError(
                int(HTTPStatus.REQUEST_ENTITY_TOO_LARGE), Code.REQUEST, "Request body too large"
            )
        try:
            value = json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            value = None
        if not isinstance(value, dict):
            raise KeymintError(
                int(HTTPStatus.BAD_REQUEST), Code.REQUEST, "Request body must be a JSON object"
            )
        return value
