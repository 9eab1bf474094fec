"""The emulator as an httpx transport: the whole API in process, socket faults included.

httpx is imported inside :func:`build_transport` only, so importing the emulator (which runs on the
standard library alone) never pulls it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from license_guard.emulator.faults import Hang

if TYPE_CHECKING:
    import httpx
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from license_guard.emulator.faults import Faults, SocketFault

__all__ = ["FaultingApp", "build_transport"]


class FaultingApp(Protocol):
    """A WSGI app that also names the socket fault a request meets (each emulator's app)."""

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]: ...

    def take_socket_fault(
        self, method: str, path: str, authorization: str | None
    ) -> SocketFault | None: ...

    def error_answer(self, status: int, detail: str) -> tuple[list[tuple[str, str]], bytes]:
        """Headers (``Content-Type``, ``Date``) and body of the API's error shape, for a
        request the HTTP layer refuses before the app sees it."""
        ...


def build_transport(app: FaultingApp, faults: Faults) -> httpx.BaseTransport:
    """An httpx transport that hands requests to *app* without a socket.

    Socket-level faults are shown the way httpx shows them over a network: a hang waits for the
    request's read timeout (``request.extensions["timeout"]["read"]``, real time) and raises
    :class:`httpx.ReadTimeout`, or :class:`httpx.RemoteProtocolError` if the fault is cleared
    first, as a server closing the connection would; a reset raises :class:`httpx.ReadError`.
    """
    import httpx

    wsgi = httpx.WSGITransport(app=app)

    def handle(request: httpx.Request) -> httpx.Response:
        fault = app.take_socket_fault(
            request.method, request.url.path, request.headers.get("Authorization")
        )
        if fault is None:
            return wsgi.handle_request(request)
        if isinstance(fault, Hang):
            read_timeout = request.extensions.get("timeout", {}).get("read")
            if faults.pause(read_timeout):
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                )
            raise httpx.ReadTimeout("timed out", request=request)
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)

    # MockTransport is httpx's public "transport from a handler function"; nothing is mocked.
    return httpx.MockTransport(handle)
