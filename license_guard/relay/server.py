"""Running one relay process under Uvicorn, until Ctrl-C or SIGTERM.

The socket is bound before the server starts, so port 0 (any free port) works and the URL
printed is the real one. Uvicorn stops gracefully on SIGINT and SIGTERM: it stops accepting,
lets the requests in flight finish, then returns; :func:`serve` then closes the connections to
Keymint and returns normally, so the command exits 0.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from license_guard.relay.app import create_app
from license_guard.relay.upstream import Upstream

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from license_guard.relay.keys import SigningKey
    from license_guard.relay.settings import RelaySettings

__all__ = ["bind", "serve"]


class _Stopped(Exception):
    """A stop signal, seen again after Uvicorn's graceful shutdown."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on *host*:*port* (0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    settings: RelaySettings,
    signing_key: SigningKey,
    sock: socket.socket,
    *,
    on_ready: Callable[[], None] = lambda: None,
    forwarded_allow_ips: str | None = None,
    access_log: bool = False,
) -> None:
    """Serve the relay on *sock* until a stop signal; *on_ready* runs once it accepts calls."""
    import anyio.to_thread
    import uvicorn

    upstream = Upstream(settings, signing_key)
    app = create_app(settings, upstream)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        on_ready()
        yield

    app.router.lifespan_context = lifespan
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_config=None,
        access_log=access_log,
        server_header=False,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.suppress(_Stopped):
            server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        upstream.close()
        sock.close()


def _raise_stopped(signum: int, frame: Any) -> None:
    # Uvicorn puts back this handler after its graceful shutdown and sends the signal again.
    raise _Stopped
