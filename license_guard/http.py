"""The one place that talks HTTP: timeouts, an overall deadline, retries, and error translation.

Every request runs against a :class:`Deadline`. Each attempt gets a connect and read timeout no
longer than what is left of it, and a response body is read in chunks against it too, so a hung or
trickling server cannot hold the app past the deadline. Connection errors and HTTP 429, 502, 503
and 504 are retried with exponential backoff and full jitter, waiting at least what
``Retry-After`` asks; when the wait would outlast the deadline the call gives up at once. A call
that is not idempotent (it creates something) is repeated only when the server cannot have acted
on it: the connection was never made, or the answer was 429 or 503.

What cannot be retried is translated here, and only here, into the library's errors:

* no answer, a reset connection, a TLS failure, a 5xx, a 429 -> :class:`LicenseUnreachableError`
  (:class:`RateLimitedError` for 429);
* an answer that is not the API's (HTML from a captive portal or proxy, a redirect, a body that
  is not JSON, a huge body, a ``Date`` that is unreadable or far in the future) ->
  :class:`InvalidResponseError`;
* a URL the client cannot use -> :class:`ConfigurationError`.

Other statuses (4xx) come back as a :class:`Response`; the backend maps them with its own table.
TLS verification is always on. Proxies (``HTTPS_PROXY``, ``NO_PROXY``...) and CA bundles
(``SSL_CERT_FILE``, ``SSL_CERT_DIR``) are taken from the environment; a vendor may also pass a
CA bundle or an ``ssl.SSLContext`` (for example one from the ``truststore`` package).

httpx is imported when the first request is made, never at import time: checking a cached lease
must not pay for it.
"""

from __future__ import annotations

import json
import random
import ssl
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from license_guard._log import get_logger
from license_guard._record import Record, field
from license_guard._url import check_server_url
from license_guard.clock import Clock, Deadline, SystemClock, parse_http_date
from license_guard.errors import (
    ConfigurationError,
    InvalidResponseError,
    LicenseUnreachableError,
    RateLimitedError,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["Deadline", "HttpClient", "HttpSettings", "Response"]

log = get_logger("license_guard.http")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Answers that say the request was not carried out, so that even a creating call may be repeated.
NOT_DONE_STATUSES = frozenset({429, 503})
MAX_BODY_BYTES = 1 << 20
# A ``Date`` further ahead than this of this computer's clock is a broken server's, not the time.
# A clock that is behind (a dead clock battery) is measured from DATE_FLOOR instead, a day no
# server answering this library can have seen pass yet.
MAX_DATE_AHEAD = timedelta(days=3653)
DATE_FLOOR = datetime(2025, 1, 1, tzinfo=timezone.utc)


class HttpSettings(Record):
    """How patient the client is. Every value is in seconds. A frozen value (a
    :class:`~license_guard._record.Record`: ``dataclasses`` is not imported to go online).

    Attributes:
        connect_timeout: longest wait for a TCP/TLS connection, per attempt.
        read_timeout: longest silence while waiting for response bytes, per attempt.
        max_attempts: attempts per call, the first included.
        backoff_base: the first retry waits up to this long (full jitter); each retry doubles it.
        backoff_cap: no single backoff wait is longer than this (``Retry-After`` may be).
        ca_bundle: a PEM file of trusted CAs to use instead of the default ones.
        ssl_context: a ready TLS context (it must verify certificates); wins over ``ca_bundle``.
        user_agent: the ``User-Agent`` header.
    """

    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 4.0
    ca_bundle: str | Path | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    user_agent: str = "license-guard"

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "backoff_base", "backoff_cap"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"HttpSettings.{name} must be positive.")
        if self.max_attempts < 1:
            raise ConfigurationError("HttpSettings.max_attempts must be at least 1.")
        context = self.ssl_context
        if context is not None and (
            context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname
        ):
            raise ConfigurationError(
                "The SSL context must verify server certificates and their host names."
            )


class Response(Record):
    """A complete HTTP answer: status, headers (lower-case names) and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    method: str
    url: str

    @property
    def date(self) -> datetime | None:
        """The server's ``Date`` header as aware UTC, or ``None`` if absent or unreadable."""
        return parse_http_date(self.headers.get("date"))

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object.

        Raises:
            InvalidResponseError: the body is not a JSON object (an HTML page, plain text...).
        """
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nested too deep
            raise InvalidResponseError(_not_understood(self)) from exc
        if not isinstance(data, dict):
            raise InvalidResponseError(_not_understood(self))
        return data


class HttpClient:
    """A small client for one API: one base URL, one set of headers, one retry policy.

    The ``Authorization`` value is held privately and never logged or shown in a repr.
    """

    def __init__(
        self,
        base_url: str,
        *,
        authorization: str | None = None,
        headers: Mapping[str, str] | None = None,
        settings: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        check_server_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.settings = settings or HttpSettings()
        self._authorization = authorization
        self._headers = dict(headers or {})
        self._transport = transport
        self._clock = clock or SystemClock()
        self._jitter = jitter
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        deadline: Deadline,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        idempotent: bool = True,
    ) -> Response:
        """Send one API call, retrying what is worth retrying, within *deadline*.

        Returns the response for any status the caller must interpret (2xx, 4xx except 429).
        A call that is not *idempotent* is repeated only after a failure that proves the server
        did not act on it (no connection, 429, 503); after any other failure the error says that
        the server may have acted.

        Raises:
            LicenseUnreachableError: no usable answer before the deadline or the last attempt
                (RateLimitedError when the server kept answering 429).
            InvalidResponseError: a redirect, a body larger than the API ever sends, or a
                ``Date`` header that is unreadable or more than ten years ahead.
            ConfigurationError: the URL cannot be used at all.
        """
        import httpx

        url = self.base_url + path
        body = None if json_body is None else json.dumps(json_body).encode()
        request_headers = {"Accept": "application/json", **self._headers, **(headers or {})}
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        if self._authorization is not None:
            request_headers["Authorization"] = self._authorization
        attempts = self.settings.max_attempts if retry else 1
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline.remaining()
            if remaining <= 0:
                raise LicenseUnreachableError(
                    f"The licensing server at {self.base_url} did not answer within "
                    f"{deadline.seconds:g} s."
                )
            started = self._clock.monotonic()
            retry_after: float | None = None
            status: int | None = None
            try:
                response = self._send(
                    httpx, method, url, body=body, headers=request_headers, deadline=deadline
                )
            except (LicenseUnreachableError, InvalidResponseError) as exc:
                failure: LicenseUnreachableError = exc
            else:
                elapsed_ms = (self._clock.monotonic() - started) * 1000
                log.debug(
                    "%s %s -> %d in %.0f ms (attempt %d)",
                    method,
                    path,
                    response.status,
                    elapsed_ms,
                    attempt,
                )
                if response.status not in RETRY_STATUSES and response.status < 500:
                    if 300 <= response.status < 400:
                        raise InvalidResponseError(_not_understood(response))
                    _check_date(response, self._clock.now())
                    return response
                status = response.status
                failure = _status_failure(response, self.base_url)
                retry_after = _retry_after(response, self._clock.now())
                if response.status not in RETRY_STATUSES:
                    raise failure
            _stop_unless_repeatable(failure, status, idempotent=idempotent)
            if attempt >= attempts:
                raise failure
            wait = self._jitter() * min(
                self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1)
            )
            if retry_after is not None:
                wait = max(wait, retry_after)
            if wait >= deadline.remaining():
                raise failure
            log.info("%s %s failed (%s); retrying in %.2f s", method, path, failure, wait)
            self._clock.sleep(wait)

    def close(self) -> None:
        """Close the connection pool, if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _send(
        self,
        httpx: Any,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        deadline: Deadline,
    ) -> Response:
        client = self._http_client()
        remaining = deadline.remaining()
        timeout = httpx.Timeout(
            connect=min(self.settings.connect_timeout, remaining),
            read=min(self.settings.read_timeout, remaining),
            write=min(self.settings.read_timeout, remaining),
            pool=min(self.settings.connect_timeout, remaining),
        )
        try:
            request = client.build_request(
                method, url, content=body, headers=headers, timeout=timeout
            )
            response = client.send(request, stream=True)
            try:
                chunks = bytearray()
                for chunk in response.iter_raw():
                    chunks.extend(chunk)
                    if len(chunks) > MAX_BODY_BYTES:
                        raise InvalidResponseError(
                            f"The licensing server at {self.base_url} sent an oversized answer."
                        )
                    if deadline.remaining() <= 0:
                        raise LicenseUnreachableError(
                            f"The licensing server at {self.base_url} answered too slowly."
                        )
            finally:
                response.close()
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ConfigurationError(f"The server URL {url!r} cannot be used: {exc}.") from exc
        except httpx.TransportError as exc:
            raise LicenseUnreachableError(_describe_transport_error(exc, self.base_url)) from exc
        return Response(
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=bytes(chunks),
            method=method,
            url=url,
        )

    def _http_client(self) -> httpx.Client:
        with self._client_lock:  # two threads' first requests must share one pool
            if self._client is None:
                self._client = self._create_client()
            return self._client

    def _create_client(self) -> httpx.Client:
        import httpx

        return httpx.Client(
            transport=self._transport,
            verify=tls_verification(self.base_url, self.settings),
            trust_env=True,
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent},
        )


def _check_date(response: Response, now: datetime) -> None:
    """Refuse an answer whose ``Date`` header no working server sends.

    The server's time becomes the guard's trusted time, so a ``Date`` that cannot be read, or
    lies more than :data:`MAX_DATE_AHEAD` after *now* (or after :data:`DATE_FLOOR` when *now*
    is earlier), makes the whole answer "not understood". An answer without a ``Date`` passes:
    the local clock is used then.

    Raises:
        InvalidResponseError: the ``Date`` is unreadable or implausibly far ahead.
    """
    value = response.headers.get("date")
    if value is None:
        return
    when = parse_http_date(value)
    if when is not None and when <= max(now, DATE_FLOOR) + MAX_DATE_AHEAD:
        return
    raise InvalidResponseError(
        f"The answer from {response.url.split('/')[2]} carries an impossible date "
        f"({value[:40]!r}): the server's clock is broken, or something else answered."
    )


def tls_verification(base_url: str, settings: HttpSettings) -> ssl.SSLContext | bool:
    """What the client verifies server certificates with: the vendor's context, else the CA
    bundle they named, else ``True`` (httpx's default trust: ``SSL_CERT_FILE``,
    ``SSL_CERT_DIR`` or certifi).

    A client of a plain ``http://`` server (on this machine only: :func:`check_server_url`)
    never checks a certificate: every URL it requests is plain, redirects are not followed, and
    a proxy's own TLS has a context of its own. Loading a CA store for it would cost about
    250 M instructions (some 50 ms) for nothing, so it gets a context that verifies and trusts
    no CA: any TLS handshake made with it fails.

    Raises:
        ConfigurationError: the CA bundle cannot be loaded.
    """
    if settings.ssl_context is not None:
        return settings.ssl_context
    if settings.ca_bundle is not None:
        return _ca_bundle_context(Path(settings.ca_bundle))
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies; trusts nothing
    return True


def _ca_bundle_context(path: Path) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"The CA bundle {path} cannot be loaded: {exc}.") from exc


def _status_failure(response: Response, base_url: str) -> LicenseUnreachableError:
    if response.status == 429:
        return RateLimitedError(
            f"The licensing server at {base_url} is rate limiting this computer.",
            retry_after=_retry_after(response, None),
        )
    return LicenseUnreachableError(
        f"The licensing server at {base_url} is having trouble (HTTP {response.status})."
    )


def _retry_after(response: Response, now: datetime | None) -> float | None:
    """Seconds the server asked us to wait, from ``Retry-After`` (seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # "²".isdigit() is True too
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    reference = now or response.date
    if reference is None:
        return None
    return max(0.0, (when - reference).total_seconds())


def _stop_unless_repeatable(
    failure: LicenseUnreachableError, status: int | None, *, idempotent: bool
) -> None:
    """For a call that is not *idempotent*, raise *failure* (saying the server may have acted)
    unless it proves the server did not act: then, and for any idempotent call, return."""
    if idempotent:
        return
    import httpx

    if status is not None:
        not_done = status in NOT_DONE_STATUSES
    else:  # a request is only sent over an established connection
        never_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        not_done = isinstance(failure.__cause__, never_sent)
    if not not_done:
        raise type(failure)(
            f"{failure} The server may have carried out the request all the same: check before "
            "sending it again.",
            server_message=failure.server_message,
        ) from failure


def _not_understood(response: Response) -> str:
    kind = response.headers.get("content-type", "unknown content").split(";")[0]
    return (
        f"The answer from {response.url.split('/')[2]} was not understood (HTTP "
        f"{response.status}, {kind}). A captive portal (hotel or airport Wi-Fi) or a proxy may "
        "be in the way: sign in to the network or check the proxy settings."
    )


def _describe_transport_error(exc: Exception, base_url: str) -> str:
    import httpx

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"The licensing server at {base_url} could not prove its identity "
                f"({cause.verify_message}). A proxy or captive portal may be intercepting "
                "the connection."
            )
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        return f"The licensing server at {base_url} did not answer in time."
    if isinstance(exc, httpx.ConnectError):
        return f"Cannot connect to the licensing server at {base_url}: check the connection."
    if isinstance(exc, httpx.RemoteProtocolError):
        return (
            f"The licensing server at {base_url} closed the connection without a proper answer: "
            "try again."
        )
    # ReadError, WriteError, ...: the connection broke. The exception stays chained as the
    # cause, for logs; its class name means nothing to the person reading this sentence.
    return f"The connection to the licensing server at {base_url} broke off: try again."
