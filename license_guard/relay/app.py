"""The relay's HTTP surface: the six calls of the relay API and a health check, nothing else.

Each call is checked in this order before anything is forwarded: the method and path (any
other is 404/405 and never reaches Keymint), the client address's rate, the body's size and
shape, the product's place on the allow-list, the license key's rate. Then the call runs in a
worker thread against Keymint (:mod:`.upstream`) within its deadline. Answers:

* 200 with the relay API's body (a signed ``.lic`` for license calls);
* Keymint's refusal as Keymint's error shape plus ``reason`` (403, 404);
* 400 ``bad_request`` for a request the relay will not forward, 413 for a large body;
* 429 with ``Retry-After`` when a rate is exceeded;
* 503 ``unreachable`` when Keymint could not be asked or failed, so apps keep their grace.

Nothing logged here holds a license key or a token (keys appear as their last 4 characters).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from license_guard._log import get_logger
from license_guard._redact import redact
from license_guard.backends.keymint.relay_api import HEALTH, PATHS, REASONS, reason_for
from license_guard.errors import FloatingSeatsTakenError, LicenseError, LicenseExpiredError
from license_guard.relay.limits import RateLimiter
from license_guard.relay.requests import BadRequestError, RelayRequest, parse_request

if TYPE_CHECKING:
    from license_guard.relay.settings import RelaySettings
    from license_guard.relay.upstream import Upstream

__all__ = ["create_app"]

log = get_logger("license_guard.relay")


class _TooLarge(Exception):
    pass


def create_app(settings: RelaySettings, upstream: Upstream) -> Starlette:
    """The ASGI application of one relay process."""
    per_ip = RateLimiter(settings.rate_per_ip, settings.burst_per_ip)
    per_key = RateLimiter(settings.rate_per_key, settings.burst_per_key)
    products = frozenset(settings.product_ids)

    async def admit(request: Request) -> RelayRequest | Response:
        """The checked call, or the answer that refuses it."""
        address = request.client.host if request.client else "unknown"
        wait = per_ip.allow(address)
        if wait is not None:
            return _too_many(wait)
        try:
            body = await _read_body(request, settings.max_body)
        except _TooLarge:
            return _refusal("bad_request", "The request body is too large.", status=413)
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            call = parse_request(request.url.path, body, products=products)
        except BadRequestError as exc:
            return _refusal("bad_request", str(exc))
        wait = per_key.allow(f"{call.product_id}\0{call.license_key}")
        return call if wait is None else _too_many(wait)

    async def forward(request: Request) -> Response:
        call = await admit(request)
        if isinstance(call, Response):
            return call
        try:
            answer = await run_in_threadpool(upstream.call, call)
        except LicenseError as exc:
            reason = reason_for(exc)
            if reason == "unreachable":
                log.warning(
                    "%s for key %s: Keymint could not answer (%s: %s)",
                    call.path,
                    redact(call.license_key),
                    type(exc).__name__,
                    exc,
                )
                message = "The licensing server could not be reached; try again later."
            else:
                log.info("%s for key %s: %s", call.path, redact(call.license_key), reason)
                message = exc.server_message or str(exc)
            extra: dict[str, Any] = {}
            if isinstance(exc, LicenseExpiredError) and exc.expired_at is not None:
                extra["expiredAt"] = int(exc.expired_at.timestamp())
            if isinstance(exc, FloatingSeatsTakenError) and exc.max_sessions is not None:
                extra["maxSessions"] = exc.max_sessions
            return _refusal(reason, message, extra=extra)
        return JSONResponse(answer, headers=_NO_STORE)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    routes = [Route(path, forward, methods=["POST"]) for path in PATHS]
    routes.append(Route(HEALTH, health, methods=["GET"]))
    return Starlette(routes=routes)


_NO_STORE = {"Cache-Control": "no-store"}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def _refusal(
    reason: str, message: str, *, status: int | None = None, extra: dict[str, Any] | None = None
) -> JSONResponse:
    _, row_status, code = REASONS[reason]
    return JSONResponse(
        {"message": message, "code": code, "reason": reason, **(extra or {})},
        status_code=status or row_status,
        headers=_NO_STORE,
    )


def _too_many(wait: float) -> JSONResponse:
    return JSONResponse(
        {"message": "Too many requests; try again later.", "code": 3, "reason": "rate_limited"},
        status_code=429,
        headers={"Retry-After": str(max(1, math.ceil(wait))), **_NO_STORE},
    )
