"""The Keygen emulator as a WSGI application: faults, routing, license-key auth, signed answers.

A request goes through these steps, and the first that answers wins:

1. HTTP-level faults (shared with the Keymint emulator): latency, then a 429, a 5xx page, a
   captive portal page or the per-credential rate limit. These answers are **not signed**, as
   Keygen's own 429 (sent by its rate limiter, before the API) is not;
2. the account: ``/v1/accounts/{account}/`` with another account is a 404 that cannot be
   signed (the emulator holds one account's key only);
3. the route (below), then ``Authorization: License <key>`` where the route needs it;
4. the service's answer or refusal (:mod:`license_guard.emulator.keygen.service`);
5. anything unexpected: 500 (the traceback goes to ``wsgi.errors``).

Every answer of steps 3 to 5 carries ``Date``, ``Digest`` and ``Keygen-Signature`` over
``(request-target) host date digest`` (keygen-api.md section 8), so a client verifies it before
reading the body. Routes, under ``/v1/accounts/{account}/``:

====== ============================================ ==========================================
POST   ``licenses/actions/validate-key``            validation, no authentication
POST   ``machines``                                 activation (201, or 422 with a code)
DELETE ``machines/{id or fingerprint}``             deactivation (204)
POST   ``machines/{id}/actions/ping``               heartbeat (also ``ping-heartbeat``)
POST   ``machines/{id}/actions/check-out``          machine file
POST   ``licenses/{id or key}/actions/check-out``   license file
====== ============================================ ==========================================
"""

from __future__ import annotations

import json
import re
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from license_guard._redact import redact
from license_guard.clock import Clock
from license_guard.emulator.dates import http_date
from license_guard.emulator.faults import FaultKind, Faults, SocketFault, TokenLimited
from license_guard.emulator.keygen.checkout import DEFAULT_TTL, Checkout
from license_guard.emulator.keygen.errors import KeygenApiError
from license_guard.emulator.keygen.service import KeygenService
from license_guard.emulator.requestlog import RequestLog, RequestRecord
from license_guard.emulator.responses import fault_response
from license_guard.emulator.wsgi import MAX_BODY_BYTES, STOP_EVENT_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from license_guard.emulator.keygen.records import LicenseRecord

__all__ = ["KeygenApp"]

CONTENT_TYPE = "application/vnd.api+json; charset=utf-8"
API_VERSION = "1.7"


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: str
    host: str
    license_key: str | None = field(repr=False)
    scheme: str | None
    body: bytes = field(repr=False)

    @property
    def target(self) -> str:
        """The path and query as sent: what the signature's ``(request-target)`` names."""
        path = quote(self.path, safe="/:@!$&'()*+,;=~")
        return f"{path}?{self.query}" if self.query else path

    def json_object(self) -> dict[str, Any]:
        if len(self.body) > MAX_BODY_BYTES:
            raise KeygenApiError(413, None, "The request body is too large")
        try:
            value = json.loads(self.body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            value = None
        if not isinstance(value, dict):
            raise KeygenApiError(
                400, None, "The request could not be completed because it contains invalid JSON"
            )
        return value

    def params(self) -> dict[str, Any]:
        """Query parameters, overridden by the body's ``meta`` (Keygen reads both)."""
        merged: dict[str, Any] = {k: v[-1] for k, v in parse_qs(self.query).items()}
        if self.body:
            meta = self.json_object().get("meta")
            if isinstance(meta, dict):
                merged.update(meta)
        return merged


@dataclass(frozen=True)
class _Answer:
    status: int
    document: Mapping[str, Any] | None
    headers: tuple[tuple[str, str], ...] = ()


Route = Callable[[_Request, list[str]], _Answer]


class KeygenApp:
    """A WSGI callable serving the emulated Keygen API of one account."""

    def __init__(
        self, *, service: KeygenService, faults: Faults, clock: Clock, log: RequestLog
    ) -> None:
        self._service = service
        self._faults = faults
        self._clock = clock
        self._log = log
        self._prefix = f"/v1/accounts/{service.account_id}/"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = _read(environ)
        fault: FaultKind | None = None
        delay = self._faults.take_latency()
        if delay > 0:
            fault = FaultKind.LATENCY
            stop = environ.get(STOP_EVENT_KEY)
            self._faults.pause(delay, stop=stop if isinstance(stop, threading.Event) else None)
        answer_fault = self._faults.take_answer(request.license_key or "")
        if answer_fault is not None:
            fault = (
                FaultKind.TOKEN_RATE_LIMIT
                if isinstance(answer_fault, TokenLimited)
                else answer_fault.kind
            )
            raw = fault_response(answer_fault)
            status, body = raw.status, raw.body
            headers = [("Content-Type", raw.content_type), *raw.headers]
            headers.append(("Date", http_date(self._clock.now())))
        else:
            status, body, headers = self._signed(request, environ)
        self._log.add(
            RequestRecord(
                self._clock.now(),
                request.method,
                request.path,
                status,
                redact(request.license_key),
                fault,
            )
        )
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def error_answer(self, status: int, detail: str) -> tuple[list[tuple[str, str]], bytes]:
        """For the socket layer: a JSON:API error document (unsigned: without a readable
        request there is no request target to sign) with its headers."""
        body = json.dumps(_errors(KeygenApiError(status, None, detail))).encode()
        return [("Content-Type", CONTENT_TYPE), ("Date", http_date(self._clock.now()))], body

    def take_socket_fault(
        self, method: str, path: str, authorization: str | None
    ) -> SocketFault | None:
        """For the socket layer: the hang or reset this request meets (logged), or None."""
        fault = self._faults.take_socket_fault()
        if fault is not None:
            _, key = _credential(authorization)
            self._log.add(
                RequestRecord(self._clock.now(), method, path, None, redact(key), fault.kind)
            )
        return fault

    # -- answering --------------------------------------------------------------------------

    def _signed(
        self, request: _Request, environ: WSGIEnvironment
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        if not request.path.startswith(self._prefix):
            account = request.path.removeprefix("/v1/accounts/").partition("/")[0]
            document = _errors(
                KeygenApiError(404, "NOT_FOUND", f"The requested account '{account}' was not found")
            )
            return 404, json.dumps(document).encode(), [("Content-Type", CONTENT_TYPE)]
        try:
            answer = self._route(request)
        except KeygenApiError as exc:
            answer = _Answer(exc.status, _errors(exc), _challenge(exc, request))
        except Exception:  # the API's 500: the emulator must answer, not crash
            traceback.print_exc(file=environ["wsgi.errors"])
            answer = _Answer(500, _errors(KeygenApiError(500, None, "Internal server error")))
        body = b"" if answer.document is None else json.dumps(answer.document).encode()
        headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Keygen-Account", self._service.account_id),
            ("Keygen-Version", API_VERSION),
            ("X-Request-Id", str(uuid.uuid4())),
            *answer.headers,
        ]
        headers += self._service.key.response_headers(
            method=request.method,
            target=request.target,
            host=request.host,
            date=self._clock.now(),
            body=body,
        )
        return answer.status, body, headers

    def _route(self, request: _Request) -> _Answer:
        parts = request.path[len(self._prefix) :].strip("/").split("/")
        route: Route | None = None
        match request.method, parts:
            case "POST", ["licenses", "actions", "validate-key"]:
                route = self._validate_key
            case "POST", ["machines"]:
                route = self._create_machine
            case "DELETE", ["machines", _]:
                route = self._delete_machine
            case "POST", ["machines", _, "actions", "ping" | "ping-heartbeat"]:
                route = self._ping
            case "POST", ["machines", _, "actions", "check-out"]:
                route = self._check_out_machine
            case "POST", ["licenses", _, "actions", "check-out"]:
                route = self._check_out_license
        if route is None:
            raise KeygenApiError(404, "NOT_FOUND", "The requested endpoint was not found")
        return route(request, parts)

    def _validate_key(self, request: _Request, parts: list[str]) -> _Answer:
        meta = request.json_object().get("meta")
        meta = meta if isinstance(meta, dict) else {}
        key = meta.get("key")
        if not isinstance(key, str) or not key:
            raise KeygenApiError(400, None, "is missing", source={"pointer": "/meta/key"})
        nonce = meta.get("nonce")
        if nonce is not None and (isinstance(nonce, bool) or not isinstance(nonce, int)):
            raise KeygenApiError(
                400, None, "type mismatch (expected integer)", source={"pointer": "/meta/nonce"}
            )
        scope = meta.get("scope")
        scope = scope if isinstance(scope, dict) else {}
        return _Answer(200, self._service.validate_key(key, scope, nonce))

    def _create_machine(self, request: _Request, parts: list[str]) -> _Answer:
        bearer = self._bearer(request)
        data = request.json_object().get("data")
        data = data if isinstance(data, dict) else {}
        attributes = data.get("attributes")
        license_id = _dig(data, "relationships", "license", "data", "id")
        machine = self._service.create_machine(
            bearer, license_id, attributes if isinstance(attributes, dict) else {}
        )
        location = (("Location", f"{self._prefix}machines/{machine['id']}"),)
        return _Answer(201, {"data": machine}, location)

    def _delete_machine(self, request: _Request, parts: list[str]) -> _Answer:
        self._service.delete_machine(self._bearer(request), parts[1])
        return _Answer(204, None)

    def _ping(self, request: _Request, parts: list[str]) -> _Answer:
        return _Answer(200, {"data": self._service.ping(self._bearer(request), parts[1])})

    def _check_out_machine(self, request: _Request, parts: list[str]) -> _Answer:
        bearer = self._bearer(request)
        options = _checkout_options(request.params())
        return _Answer(200, self._service.check_out_machine(bearer, parts[1], options))

    def _check_out_license(self, request: _Request, parts: list[str]) -> _Answer:
        bearer = self._bearer(request)
        options = _checkout_options(request.params())
        return _Answer(200, self._service.check_out_license(bearer, parts[1], options))

    def _bearer(self, request: _Request) -> LicenseRecord:
        if request.scheme not in (None, "license"):
            raise KeygenApiError(401, "TOKEN_INVALID", "Token format is invalid")
        return self._service.authenticate(request.license_key)


def _read(environ: WSGIEnvironment) -> _Request:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(min(length, MAX_BODY_BYTES + 1)) if length > 0 else b""
    scheme, key = _credential(environ.get("HTTP_AUTHORIZATION"))
    return _Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=str(environ.get("PATH_INFO") or "/"),
        query=str(environ.get("QUERY_STRING") or ""),
        host=_host(str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "")),
        license_key=key,
        scheme=scheme,
        body=body,
    )


def _credential(authorization: str | None) -> tuple[str | None, str | None]:
    """``(scheme, credential)`` of an Authorization header; the credential is kept only for the
    License scheme (the emulator knows no tokens)."""
    if not authorization:
        return None, None
    scheme, _, value = authorization.strip().partition(" ")
    scheme = scheme.lower()
    return scheme, value.strip() if scheme == "license" else None


def _host(value: str) -> str:
    """The host as Rails' ``request.host`` gives it: the ``Host`` header less a trailing
    ``:port``; an IPv6 literal keeps its brackets (``[::1]:8080`` -> ``[::1]``)."""
    return re.sub(r":\d+$", "", value)


def _dig(value: object, *names: str) -> object:
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _checkout_options(params: Mapping[str, Any]) -> Checkout:
    include = params.get("include") or ""
    if isinstance(include, str):
        include = [name.strip() for name in include.split(",") if name.strip()]
    if not isinstance(include, list) or not all(isinstance(name, str) for name in include):
        raise KeygenApiError(400, None, "must be a list", source={"parameter": "include"})
    ttl: Any = params.get("ttl", DEFAULT_TTL)
    if isinstance(ttl, str):
        ttl = int(ttl) if ttl.isdigit() else None if ttl in ("", "null") else ttl
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int)):
        raise KeygenApiError(400, None, "must be an integer", source={"parameter": "ttl"})
    encrypt = params.get("encrypt", False)
    return Checkout(
        encrypt=encrypt is True or str(encrypt).lower() in ("true", "1"),
        include=tuple(include),
        ttl=ttl,
    )


def _errors(exc: KeygenApiError) -> dict[str, Any]:
    return {"meta": {"id": str(uuid.uuid4())}, "errors": [exc.to_json()]}


def _challenge(exc: KeygenApiError, request: _Request) -> tuple[tuple[str, str], ...]:
    if exc.status != 401:
        return ()
    scheme = "License" if request.scheme == "license" else "Bearer"
    return (("WWW-Authenticate", f'{scheme} realm="keygen"'),)
