"""Transports around the emulator's: what the real Keymint service sends where the seed
documents (and so the emulator) say otherwise, and a record of what went over the wire.

The emulator answers as the contract says; the real service is known to differ in places
(docs/backends.md, "Generation 1 or 2"). :class:`Rewriting` turns the emulator's real answers
into those variants, so the backend meets them over its real HTTP stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

# (request, status, JSON body) -> (status, JSON body), or None to leave the answer as it is.
Rewrite = Callable[[httpx.Request, int, Any], "tuple[int, Any] | None"]


# request -> (status, JSON body) to answer without asking the emulator, or None to ask it.
Intercept = Callable[[httpx.Request], "tuple[int, Any] | None"]


class Rewriting(httpx.BaseTransport):
    """Passes each request to *inner* and lets *rewrite* change the answer; *intercept* may
    answer a request instead (the emulator then never sees it)."""

    def __init__(
        self, inner: httpx.BaseTransport, rewrite: Rewrite, intercept: Intercept | None = None
    ) -> None:
        self.inner = inner
        self.rewrite = rewrite
        self.intercept = intercept

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answered = self.intercept(request) if self.intercept is not None else None
        if answered is not None:
            content = json.dumps(answered[1]).encode()
            return httpx.Response(answered[0], stream=httpx.ByteStream(content))
        response = self.inner.handle_request(request)
        raw = response.read()
        try:
            body = json.loads(raw)
        except ValueError:
            return httpx.Response(
                response.status_code, headers=response.headers, stream=httpx.ByteStream(raw)
            )
        changed = self.rewrite(request, response.status_code, body)
        status, body = changed if changed is not None else (response.status_code, body)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        content = json.dumps(body).encode()
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    def close(self) -> None:
        self.inner.close()


class Recording(httpx.BaseTransport):
    """Passes each request to *inner* and keeps it: ``sent`` is every request, in order."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def rename_in_license(old: str, new: str) -> Rewrite:
    """A get-key answer with the license field *old* spelled *new*."""

    def rewrite(request: httpx.Request, status: int, body: Any) -> tuple[int, Any] | None:
        license_ = body.get("data", {}).get("license") if isinstance(body, dict) else None
        if status != 200 or not isinstance(license_, dict) or old not in license_:
            return None
        license_[new] = license_.pop(old)
        return status, body

    return rewrite
