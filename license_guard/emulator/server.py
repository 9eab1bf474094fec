"""A real HTTP server for the emulator, on 127.0.0.1 only, one thread per connection.

The socket-level faults live here, in the request handler, because only a socket can show them:
a hang reads the request and never answers (until the fault is cleared or the server stops); a
reset reads the request and closes with ``SO_LINGER`` 0, so the client receives a TCP RST.

The handler also reads each request whole before the app sees it, against a read timeout: a
client that stops sending (a ``Content-Length`` larger than its body, bytes without a line end
such as a TLS hello on the plain port) gets a 408 and the connection closes. Whatever the HTTP
parser refuses (a bad request line, a bad ``Content-Length``, headers too long) is answered with
the emulator's JSON error shape too, never an HTML page or a traceback.
"""

from __future__ import annotations

import io
import socket
import struct
import threading
from http import HTTPStatus
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import unquote
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from license_guard.emulator.faults import Hang
from license_guard.emulator.wsgi import MAX_BODY_BYTES, STOP_EVENT_KEY

if TYPE_CHECKING:
    import ssl

    from license_guard.emulator.faults import Faults
    from license_guard.emulator.transport import FaultingApp

__all__ = ["READ_TIMEOUT_SECONDS", "EmulatorServer", "Servable"]

_HOST = "127.0.0.1"
# serve_forever notices stop() only between polls: a short poll keeps stop() (and every test's
# teardown) at a few milliseconds, for a wake-up that costs next to nothing.
_POLL_SECONDS = 0.005
#: The longest silence from a client in the middle of sending its request.
READ_TIMEOUT_SECONDS = 10.0
# The longest request line and header line the parser takes (as http.server's own limit).
_MAX_LINE = 65536


class Servable(Protocol):
    """What EmulatorServer serves: the Keymint ``Emulator`` or the ``KeygenEmulator``."""

    @property
    def wsgi_app(self) -> FaultingApp: ...

    @property
    def faults(self) -> Faults: ...


class _TimedOut(Exception):
    """The client went silent before its request was complete."""


class _Server(ThreadingMixIn, WSGIServer):
    # Handler threads never keep the process alive; stop() still joins them (block_on_close),
    # which is quick because every wait inside them watches the stop event.
    daemon_threads = True
    # Many clients connect at the same instant in the concurrency tests; the default backlog of
    # 5 would make the kernel drop SYNs and the clients retry a second later.
    request_queue_size = 64

    def __init__(
        self, emulator: Servable, port: int, stopping: threading.Event, read_timeout: float
    ) -> None:
        super().__init__((_HOST, port), _Handler)
        self.app: FaultingApp = emulator.wsgi_app
        self.faults: Faults = emulator.faults
        self.stopping = stopping
        self.read_timeout = read_timeout
        self.set_app(self.app)
        self.base_environ[STOP_EVENT_KEY] = stopping


class _Handler(WSGIRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)

    def handle(self) -> None:
        """Read one whole request (line, headers, body), then hand it to the app.

        Every way a request can be malformed ends in the app's JSON error, and the connection
        closes after the one answer (HTTP/1.0).
        """
        try:
            try:
                self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
            except TimeoutError as exc:  # silence, or bytes without a line end
                raise _TimedOut from exc
            if not self.raw_requestline:
                return  # connected and closed without a word
            if len(self.raw_requestline) > _MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "The request line is too long")
                return
            if not self.parse_request():
                return  # parse_request answered (send_error) or met a socket fault
            body = self._read_body()
        except _TimedOut:
            self.send_error(HTTPStatus.REQUEST_TIMEOUT, "The request was not sent in time")
            return
        except OSError:
            return  # a reset, or a failed TLS handshake: no one to answer
        if body is None:
            return
        handler = ServerHandler(
            io.BytesIO(body),
            cast("IO[bytes]", self.wfile),
            self.get_stderr(),
            self.get_environ(),
            multithread=False,
        )
        # As wsgiref does: ServerHandler.close() logs through it (typeshed does not declare it).
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.app)

    def parse_request(self) -> bool:
        """Parse the request line and headers, then meet any socket fault instead of answering."""
        try:
            parsed = super().parse_request()
        except TimeoutError as exc:  # the headers stopped midway
            raise _TimedOut from exc
        if not parsed:
            return False
        path = unquote(self.path.partition("?")[0], "iso-8859-1")
        fault = self.server.app.take_socket_fault(
            self.command, path, self.headers.get("Authorization")
        )
        if fault is None:
            return True
        # Take the whole request before failing it: httpx sends the body after the headers and
        # ignores an error while sending, so a reset that lands mid-request would reach it as a
        # plain disconnect instead of the reset this fault promises.
        if self._read_body() is None:
            return False
        if isinstance(fault, Hang):
            # Ends with an ordinary close: the client sees the server disconnect.
            self.server.faults.pause(None, stop=self.server.stopping)
        else:
            self._reset_connection()
        return False  # tells handle() that there is nothing left to answer

    def _read_body(self) -> bytes | None:
        """The body, as long as ``Content-Length`` says (at most one byte past the API's limit,
        so the app can refuse it as too large); None after answering a bad length.

        Raises _TimedOut when the client stops sending first.
        """
        declared = self.headers.get("Content-Length")
        if declared is None:
            return b""
        text = declared.strip()
        if not (text.isascii() and text.isdigit()):
            self.send_error(HTTPStatus.BAD_REQUEST, "The Content-Length is not a number")
            return None
        wanted = min(int(text), MAX_BODY_BYTES + 1)
        body = bytearray()
        try:
            while len(body) < wanted:
                chunk = self.rfile.read1(wanted - len(body))
                if not chunk:
                    break  # the client closed early; the app sees what came
                body += chunk
        except TimeoutError as exc:
            raise _TimedOut from exc
        return bytes(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a request the HTTP layer refuses with the app's own JSON error shape."""
        status = HTTPStatus(code)
        headers, body = self.server.app.error_answer(status.value, message or status.phrase)
        self.request_version = "HTTP/1.0"  # a full answer even to what looked like HTTP/0.9
        self.close_connection = True
        try:
            self.send_response_only(status.value)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client is gone already

    def _reset_connection(self) -> None:
        # Linger on with a zero timeout turns close() into an abortive close (RST, not FIN). The
        # socket's file objects hold references to it, so they must be closed first for the
        # close to reach the kernel now.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.wfile.close()
        self.rfile.close()
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: requests are in the emulator's request log instead."""


class EmulatorServer:
    """Serve an :class:`~license_guard.emulator.Emulator` (or a
    :class:`~license_guard.emulator.keygen.KeygenEmulator`) over HTTP on ``127.0.0.1:port``.

    The socket is bound at construction (``port=0`` picks a free port; :attr:`url` is known at
    once); :meth:`start` serves from a background thread; :meth:`stop` ends it, releases any hung
    request and closes the socket. As a context manager it starts on entry and stops on exit. A
    stopped server cannot be started again. Raises :class:`OSError` when the port is taken.

    With *ssl_context* (a server-side context holding a certificate for 127.0.0.1) it speaks
    HTTPS, for testing how a client trusts servers: CA bundles, host names, interception.

    A client silent for *read_timeout* seconds before its request is complete gets a 408 in
    the app's JSON error shape, and the connection closes.
    """

    def __init__(
        self,
        emulator: Servable,
        *,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        if read_timeout <= 0:
            raise ValueError("read_timeout must be positive")
        self._stopping = threading.Event()
        self._server = _Server(emulator, port, self._stopping, read_timeout)
        if ssl_context is not None:
            # The handshake happens in the handler's thread, on its first read, so a client
            # that connects and never speaks cannot hold up the accepting thread.
            self._server.socket = ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._scheme = "https" if ssl_context is not None else "http"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` with TLS): the base URL to give a client."""
        return f"{self._scheme}://{_HOST}:{self.port}"

    def start(self) -> EmulatorServer:
        """Serve in a background thread; returns self. Raises RuntimeError once stopped."""
        if self._stopping.is_set():
            raise RuntimeError("a stopped EmulatorServer cannot be started again")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name=f"keymint-emulator:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end hung requests and close the socket. Calling it again is harmless."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmulatorServer({self.url})"
