"""The emulator as a WSGI application: faults, routing, authentication, JSON errors, the log.

Both API generations are served at once, on the same state. A request goes through these steps,
and the first that answers wins:

1. HTTP-level faults (:mod:`~license_guard.emulator.faults`): latency first, then a 429, a 5xx
   page, a captive portal page, or the per-token rate limit (429, code 3);
2. the path: unknown, 404/1; then the method: generation 1 takes POST only, generation 2 the
   methods of :mod:`~license_guard.emulator.keymint.routes_v2`; another, 405/1 with ``Allow``;
3. the access token: missing, malformed, or unknown, 401/1 "Invalid access token" (generation 2
   says "Missing Authorization header" when there is no such header at all);
4. generation 2 only: admin scope (``/key/sign``): another token, 403/1 "Insufficient
   permissions for this operation";
5. the body: not a JSON object, 400/1 (too large, 413/1); generation 2's query-only calls
   read the query instead;
6. generation 2 only: ``Idempotency-Key`` on a mutating call
   (:mod:`~license_guard.emulator.keymint.idempotency`): replay, or 422/1 for a reused key;
7. the endpoint's own checks (:mod:`~license_guard.emulator.keymint.endpoints`,
   :mod:`~license_guard.emulator.keymint.endpoints_v2`): required fields, their shapes, the
   token's product scope (401/1), then lookups and the license rules;
8. anything unexpected: 500/1 "Server error" (the traceback goes to ``wsgi.errors``).

Every answer carries ``Content-Type``, ``Content-Length`` and a ``Date`` header taken from the
emulator's clock (a client uses it as trusted time). Requests under ``/_emulator/`` go to the
control endpoint instead, untouched by faults and unlogged.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING

from license_guard._redact import redact
from license_guard.clock import Clock
from license_guard.emulator.control import CONTROL_PREFIX, Control
from license_guard.emulator.dates import http_date
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.faults import FaultKind, Faults, SocketFault, TokenLimited
from license_guard.emulator.keymint.endpoints import ENDPOINTS, Caller
from license_guard.emulator.keymint.endpoints_v2 import Call, Rules
from license_guard.emulator.keymint.idempotency import IdempotentAnswers, fingerprint
from license_guard.emulator.keymint.routes_v2 import (
    INSUFFICIENT_PERMISSIONS,
    MISSING_AUTHORIZATION,
    ROUTES,
    Route,
    Source,
    methods_of,
)
from license_guard.emulator.keymint.service import KeymintService, Message
from license_guard.emulator.requestlog import RequestLog, RequestRecord
from license_guard.emulator.responses import (
    Response,
    error,
    fault_response,
    json_response,
    refusal,
    unknown_endpoint,
)
from license_guard.emulator.wsgi import Request, bearer_token

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["EmulatorApp"]


class EmulatorApp:
    """A WSGI callable serving the Keymint API of one emulator.

    *control* is None when the emulator has no admin secret: ``/_emulator/`` is then unknown.
    """

    def __init__(
        self,
        *,
        service: KeymintService,
        rules: Rules,
        idempotent: IdempotentAnswers,
        faults: Faults,
        clock: Clock,
        log: RequestLog,
        control: Control | None = None,
    ) -> None:
        self._service = service
        self._rules = rules
        self._idempotent = idempotent
        self._faults = faults
        self._clock = clock
        self._log = log
        self._control = control

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        if request.path.startswith(CONTROL_PREFIX):
            if self._control is None:
                response = unknown_endpoint(request.path)
            else:
                response = self._control.answer(request)
        else:
            response, fault = self._answer(request, environ)
            self._record(request.method, request.path, request.token, response.status, fault)
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Date", http_date(self._clock.now())),
            *response.headers,
        ]
        start_response(response.status_line, headers)
        return [response.body]

    def error_answer(self, status: int, detail: str) -> tuple[list[tuple[str, str]], bytes]:
        """For the socket layer: ``{"message": detail, "code": 1}`` with its headers."""
        response = error(status, Code.REQUEST, detail)
        headers = [("Content-Type", response.content_type), ("Date", http_date(self._clock.now()))]
        return headers, response.body

    def take_socket_fault(
        self, method: str, path: str, authorization: str | None
    ) -> SocketFault | None:
        """For the socket layer: the hang or reset this request meets, logged; None if none.

        Control requests never meet one.
        """
        if path.startswith(CONTROL_PREFIX):
            return None
        fault = self._faults.take_socket_fault()
        if fault is not None:
            self._record(method, path, bearer_token(authorization), None, fault.kind)
        return fault

    def _record(
        self,
        method: str,
        path: str,
        token: str | None,
        status: int | None,
        fault: FaultKind | None,
    ) -> None:
        self._log.add(RequestRecord(self._clock.now(), method, path, status, redact(token), fault))

    def _answer(
        self, request: Request, environ: WSGIEnvironment
    ) -> tuple[Response, FaultKind | None]:
        fault = None
        delay = self._faults.take_latency()
        if delay > 0:
            fault = FaultKind.LATENCY
            self._faults.pause(delay, stop=request.stop)
        answer = self._faults.take_answer(request.token or "")
        if answer is not None:
            kind = FaultKind.TOKEN_RATE_LIMIT if isinstance(answer, TokenLimited) else answer.kind
            return fault_response(answer), kind
        try:
            return self._api(request), fault
        except Exception:  # the API's documented 500: the emulator must answer, not crash
            traceback.print_exc(file=environ["wsgi.errors"])
            return error(500, Code.REQUEST, Message.SERVER_ERROR), fault

    def _api(self, request: Request) -> Response:
        endpoint = ENDPOINTS.get(request.path)
        if endpoint is None:
            return self._api_v2(request)
        if request.method != "POST":
            return error(
                405, Code.REQUEST, f"Method {request.method} not allowed", (("Allow", "POST"),)
            )
        token = None if request.token is None else self._service.authenticate(request.token)
        if token is None:
            return error(401, Code.REQUEST, Message.INVALID_TOKEN)
        try:
            body = request.json_object()
            reply = endpoint(self._service, Caller(token, request.remote_addr), body)
        except KeymintError as exc:
            return refusal(exc)
        return json_response(200, reply.body)

    def _api_v2(self, request: Request) -> Response:
        methods = methods_of(request.path)
        if not methods:
            return unknown_endpoint(request.path)
        route = ROUTES.get((request.method, request.path))
        if route is None:
            allow = (("Allow", ", ".join(methods)),)
            return error(405, Code.REQUEST, f"Method {request.method} not allowed", allow)
        try:
            call = self._v2_call(request, route)
            idempotency_key = request.headers.get("idempotency-key")
            if idempotency_key is None or request.method == "GET":
                return self._run_v2(route, call)
            return self._idempotent.answer(
                call.caller.token.token,
                idempotency_key,
                fingerprint(request.method, request.path, request.query, request.body),
                lambda: self._run_v2(route, call),
            )
        except KeymintError as exc:
            return refusal(exc)

    def _v2_call(self, request: Request, route: Route) -> Call:
        """The token, its scope and the fields; raises KeymintError (401, 403, 400, 413)."""
        if "authorization" not in request.headers:
            raise KeymintError(401, Code.REQUEST, MISSING_AUTHORIZATION)
        token = None if request.token is None else self._service.authenticate(request.token)
        if token is None:
            raise KeymintError(401, Code.REQUEST, Message.INVALID_TOKEN)
        if route.admin and not token.admin:
            raise KeymintError(403, Code.REQUEST, INSUFFICIENT_PERMISSIONS)
        params = request.query if route.source is Source.QUERY else request.json_object()
        return Call(Caller(token, request.remote_addr), params, request.headers)

    def _run_v2(self, route: Route, call: Call) -> Response:
        try:
            reply = route.endpoint(self._rules, call)
        except KeymintError as exc:
            return refusal(exc)
        return json_response(reply.status, reply.body)
