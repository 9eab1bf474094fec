"""Talking to Keygen: one call, its signature checked before a byte of its body is read.

Every answer the API sends reaches :meth:`KeygenClient.call` after the HTTP layer has taken
care of what Keygen does not sign (429 from its rate limiter, 5xx from the infrastructure: both
"unreachable"). What is left must carry a valid ``Keygen-Signature`` over ``(request-target)``,
``host``, ``date`` and ``digest``, made with the account's Ed25519 key, and a ``Date`` no older
than the drift tolerance; otherwise it is an :class:`~license_guard.errors.InvalidResponseError`,
on the "unreachable" branch: grace may apply, nothing is granted. A proxy, captive portal or
man in the middle answering "valid" ends here.

One unsigned answer is read: Keygen cannot sign for an account it does not know, and answers a
wrong account id with a 404 whose only error is ``NOT_FOUND`` "The requested account '<id>' was
not found". When that names the configured account, the call raises
:class:`~license_guard.errors.ConfigurationError` (the vendor's setting is wrong) instead of
"unreachable". It grants nothing and revokes nothing: a guard treats a configuration error on a
check like an unreachable server.

httpx (through :mod:`license_guard.http`) is imported by the first call, never before.
"""

from __future__ import annotations

import _thread  # threading's Lock is this one; its module costs a start ~1 ms
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from license_guard._record import Record
from license_guard._url import check_server_url
from license_guard.clock import Clock
from license_guard.errors import ConfigurationError, InvalidResponseError
from license_guard.keygen import PublicKey, verify_response

if TYPE_CHECKING:
    import httpx

    from license_guard.http import Deadline, HttpClient, HttpSettings

__all__ = ["API_VERSION", "Answer", "KeygenClient", "signed_host"]

#: The Keygen API version whose shapes this client reads (keygen-go pins the same).
API_VERSION = "1.7"


class Answer(Record):
    """A verified answer: its status, its JSON document (None for an empty body) and the
    server's signed ``Date``, which is trusted time."""

    status: int
    document: Mapping[str, Any] | None
    date: datetime

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        """The JSON:API ``errors`` array (empty when there is none)."""
        errors = (self.document or {}).get("errors")
        if not isinstance(errors, list):
            return []
        return [error for error in errors if isinstance(error, Mapping)]

    def resource(self) -> Mapping[str, Any]:
        """The ``data`` resource object of a successful answer.

        Raises:
            InvalidResponseError: there is none.
        """
        data = (self.document or {}).get("data")
        if not isinstance(data, Mapping) or not isinstance(data.get("attributes"), Mapping):
            raise InvalidResponseError("The licensing server's answer held no resource.")
        return data


def signed_host(hostname: str) -> str:
    """The ``host`` of the signing string for a URL's *hostname*: Keygen signs Rails'
    ``request.host``, the ``Host`` header less a trailing ``:port``, so an IPv6 literal keeps
    its brackets (``[::1]``) while a name or IPv4 address is as written.

    >>> signed_host("::1"), signed_host("api.keygen.sh")
    ('[::1]', 'api.keygen.sh')
    """
    return f"[{hostname}]" if ":" in hostname else hostname


class KeygenClient:
    """Signed JSON:API calls to one Keygen account (``{base_url}/v1/accounts/{account}``)."""

    def __init__(
        self,
        *,
        base_url: str,
        account: str,
        public_key: PublicKey,
        clock: Clock,
        tolerance: timedelta,
        settings: HttpSettings | None,
        transport: httpx.BaseTransport | None,
    ) -> None:
        check_server_url(base_url)
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self._host = signed_host(parts.hostname or "")  # check_server_url made sure of one
        self._account = account
        self._root = f"/v1/accounts/{account}"
        self._public_key = public_key
        self._clock = clock
        self._tolerance = tolerance
        self._settings = settings
        self._transport = transport
        self._http: HttpClient | None = None
        self._lock = _thread.allocate_lock()

    def __repr__(self) -> str:
        return f"KeygenClient({self.base_url + self._root!r})"

    def call(
        self,
        method: str,
        path: str,
        *,
        deadline: Deadline,
        license_key: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Send ``method path`` (relative to the account, query included) and verify the answer.

        *license_key* authenticates as ``Authorization: License <key>``.

        Raises:
            InvalidResponseError: the answer is unsigned, not signed by the account's key for
                this request, altered, stale, or not JSON.
            ConfigurationError: Keygen's unsigned "no such account" for this account id.
            LicenseUnreachableError: no usable answer (network, timeout, 429, 5xx).
            ConfigurationError: the URL cannot be used.
        """
        headers = {} if license_key is None else {"Authorization": f"License {license_key}"}
        response = self._client().request(
            method, self._root + path, json_body=body, headers=headers, deadline=deadline
        )
        if response.status == 404 and "keygen-signature" not in response.headers:
            self._check_account_known(response.body)
        sent = urlsplit(response.url)
        target = sent.path + (f"?{sent.query}" if sent.query else "")
        signed = verify_response(
            method=method,
            target=target,
            host=self._host,
            headers=response.headers,
            body=response.body,
            public_key=self._public_key,
            now=self._clock.now(),
            tolerance=self._tolerance,
        )
        document: Mapping[str, Any] | None = None
        if response.body:
            try:
                parsed = json.loads(response.body)
            except ValueError as exc:
                raise InvalidResponseError(
                    "The licensing server's signed answer is not JSON."
                ) from exc
            if not isinstance(parsed, dict):
                raise InvalidResponseError(
                    "The licensing server's signed answer is not a JSON:API document."
                )
            document = parsed
        return Answer(status=response.status, document=document, date=signed.date)

    def _check_account_known(self, body: bytes) -> None:
        """Raise ConfigurationError when an unsigned 404 is Keygen's "no such account" for the
        configured account; return for anything else (it then fails verification)."""
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return
        errors = document.get("errors") if isinstance(document, dict) else None
        expected = {
            "code": "NOT_FOUND",
            "detail": f"The requested account '{self._account}' was not found",
        }
        if (
            isinstance(errors, list)
            and len(errors) == 1
            and isinstance(errors[0], dict)
            and {name: errors[0].get(name) for name in expected} == expected
        ):
            raise ConfigurationError(
                f"The licensing server at {self.base_url} has no Keygen account "
                f"{self._account!r}: the app's account setting is wrong; contact the vendor."
            )

    def close(self) -> None:
        """Close the connection pool, if one was opened."""
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def _client(self) -> HttpClient:
        with self._lock:
            if self._http is None:
                from license_guard.http import HttpClient

                self._http = HttpClient(
                    self.base_url,
                    headers={
                        "Accept": "application/vnd.api+json",
                        "Keygen-Version": API_VERSION,
                    },
                    settings=self._settings,
                    transport=self._transport,
                    clock=self._clock,
                )
            return self._http
