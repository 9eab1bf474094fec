"""The vendor's side of Keymint: create keys, look them up, block them, free their devices.

:class:`KeymintAdmin` runs where the vendor's secrets live (a purchase webhook, a back office, a
support desk), never inside the shipped app. It speaks either generation of the API as the guard
does, through the same parts: :class:`~license_guard.http.HttpClient` (timeouts, one deadline
per call, retries with backoff and ``Retry-After``, error translation), the contract's table of
paths, field names and errors (:mod:`license_guard.backends.keymint.api`) and its one parser of
answers (:mod:`license_guard.backends.keymint.answers`). Only the messages differ: they are
written for the vendor.

Every write carries an ``Idempotency-Key`` header (a random UUID, one per call, the same on
each retry of that call), as Keymint's SDKs send it: a server that honours it does a retried
write once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from license_guard._log import get_logger
from license_guard._record import Record
from license_guard._redact import redact
from license_guard.admin.customers import CustomerCalls, required_id
from license_guard.admin.messages import ADMIN_MESSAGES
from license_guard.backends.keymint.answers import (
    KeyDetails,
    NewCustomer,
    iso_time,
    parse_created_key,
    parse_deactivation,
    parse_key_details,
    parse_signed_file,
)
from license_guard.backends.keymint.api import (
    DEFAULT_BASE_URL,
    DEFAULT_GENERATION,
    HOST_ID_LENGTH,
    LICENSE_KEY_LENGTH,
    PRODUCT_ID_LENGTH,
    ApiCall,
    KeymintApi,
    answer,
    api_for,
    check_length,
    check_license_key,
)
from license_guard.clock import Clock, SystemClock
from license_guard.errors import (
    ConfigurationError,
    InvalidLicenseKeyError,
    LicenseDeniedError,
)
from license_guard.http import Deadline, HttpClient

if TYPE_CHECKING:
    import httpx

    from license_guard.http import HttpSettings, Response

__all__ = ["ADMIN_MESSAGES", "FloatingSeats", "KeymintAdmin"]

log = get_logger("license_guard.admin")

#: The header Keymint's SDKs send a write's idempotency key in.
IDEMPOTENCY_HEADER = "Idempotency-Key"


class FloatingSeats(Record, kw_only=True):
    """The terms of a floating key (generation 2): how many computers may run it at once.

    Attributes:
        max_sessions: seats in use at the same time.
        heartbeat_interval: seconds between a running app's heartbeats (Keymint: at least 60).
        session_lease_duration: seconds a seat is held without a heartbeat (at least 300).

    Raises:
        ConfigurationError: a value that is not a positive whole number.
    """

    max_sessions: int
    heartbeat_interval: int = 60
    session_lease_duration: int = 300

    def __post_init__(self) -> None:
        for name in ("max_sessions", "heartbeat_interval", "session_lease_duration"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a positive whole number.")

    def to_json(self) -> dict[str, Any]:
        """The create-key fields of these terms."""
        return {
            "licenseType": "floating",
            "maxConcurrentSessions": self.max_sessions,
            "heartbeatInterval": self.heartbeat_interval,
            "sessionLeaseDuration": self.session_lease_duration,
        }


class KeymintAdmin(CustomerCalls):
    """A Keymint admin client: keys (create, get, update, delete, block, unblock, free
    devices) and, in generation 2, customers.

    The access token here is the vendor's, able to create and block keys: keep it on the
    vendor's servers, never in the app. It is never logged or shown in full.

    Each method takes ``product_id``; *product_id* here is the default when a call gives none.
    Each call has *timeout* seconds in total, retries included. Every method raises
    ``ConfigurationError`` for bad arguments (before any request), a bad token
    (``AccessTokenError``), an unknown product (``ProductNotFoundError``) or a call the chosen
    generation lacks, and ``LicenseUnreachableError`` when the server cannot be asked; the rest
    is in each docstring.

    Args:
        access_token: a Keymint access token allowed to manage keys of the products used.
        base_url: the API root; the emulator's URL in tests and demos.
        product_id: the product to use when a call names none.
        timeout: seconds each call may take, retries included.
        api_generation: 1 or 2, as for :class:`~license_guard.KeymintBackend`.
        http: timeouts, retries and TLS trust (``license_guard.http.HttpSettings``).
        transport: an httpx transport, to talk to an in-process server in tests.
        clock: the time source for retries, deadlines and "is this expiry in the future".
        idempotency_keys: makes each write's ``Idempotency-Key`` (tests); random UUIDs.
    """

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        product_id: str | None = None,
        timeout: float = 30.0,
        api_generation: Literal[1, 2] = DEFAULT_GENERATION,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        idempotency_keys: Callable[[], str] | None = None,
    ) -> None:
        if not isinstance(access_token, str) or not access_token.strip():
            raise ConfigurationError("KeymintAdmin needs an access_token.")
        if product_id is not None:
            check_length("product id", product_id, PRODUCT_ID_LENGTH, ConfigurationError)
        if timeout <= 0:
            raise ConfigurationError("KeymintAdmin's timeout must be a positive number of seconds.")
        self.base_url = base_url
        self.product_id = product_id
        self.timeout = timeout
        self.api: KeymintApi = api_for(api_generation)
        self._access_token = access_token
        self._clock = clock or SystemClock()
        self._new_idempotency_key = idempotency_keys or (lambda: str(uuid.uuid4()))
        self._http = HttpClient(
            base_url,
            authorization=f"Bearer {access_token}",
            settings=http,
            transport=transport,
            clock=self._clock,
        )

    def __repr__(self) -> str:
        return (
            f"KeymintAdmin(base_url={self.base_url!r}, product_id={self.product_id!r}, "
            f"api_generation={self.api.generation}, access_token={redact(self._access_token)!r})"
        )

    # -- keys ------------------------------------------------------------------------------------

    def create_key(
        self,
        *,
        product_id: str | None = None,
        uses_per_key: int | None = None,
        expires_at: datetime | None = None,
        customer_id: str | None = None,
        new_customer: NewCustomer | None = None,
        floating: FloatingSeats | None = None,
    ) -> str:
        """Create a license key and return it.

        Args:
            uses_per_key: how many devices may activate it (None: unlimited). Sent as
                ``usesPerKey`` (generation 1) or ``maxActivations`` (generation 2).
            expires_at: an aware datetime in the future; None lets the server choose (Keymint:
                one month after creation). The API cannot create a key that never expires.
            customer_id: an existing customer to own the key; or
            new_customer: a customer to create with the key (not both).
            floating: make it a floating key (generation 2).

        Not repeated after a failure that leaves open whether the server created the key
        (a reset connection, a timeout, a 502 or 504): that error says so, so the caller checks
        before creating a second key (the idempotency key is Keymint's to honour; what it does
        with one is not documented). Failures that prove nothing was created (no connection,
        429, 503) are retried within the timeout, with the same idempotency key.

        Raises:
            ConfigurationError: bad arguments, including both customer_id and new_customer.
            CustomerNotFoundError: customer_id names no customer.
            CustomerExistsError: new_customer's e-mail belongs to an existing customer.
        """
        payload: dict[str, Any] = {self.api.product_id: self._product(product_id)}
        payload.update(self._terms(uses_per_key, expires_at))
        if customer_id is not None and new_customer is not None:
            raise ConfigurationError("Give customer_id or new_customer, not both.")
        if customer_id is not None:
            payload["customerId"] = required_id("customer_id", customer_id)
        if new_customer is not None:
            payload["newCustomer"] = new_customer.to_json()
        if floating is not None:
            self.api.require(self.api.checkout, "A floating key")
            payload.update(floating.to_json())
        body = self._write("POST", self.api.create_key, payload, idempotent=False)
        key = parse_created_key(body, bounds=LICENSE_KEY_LENGTH)
        log.info("created key %s for product %s", redact(key), payload[self.api.product_id])
        return key

    def get_key(self, license_key: str, *, product_id: str | None = None) -> KeyDetails:
        """The license, its devices and its customer, as the server has them now.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
            InvalidResponseError: the answer does not have the documented shape.
        """
        check_license_key(license_key)
        call = self.api.key_lookup(self._product(product_id), license_key.strip())
        response = self._send(call)
        details = parse_key_details(
            answer(response, messages=ADMIN_MESSAGES), server_time=response.date
        )
        log.debug(
            "looked up key %s: %d seat(s) taken", redact(license_key), len(details.license.devices)
        )
        return details

    def update_key(
        self,
        license_key: str,
        *,
        product_id: str | None = None,
        uses_per_key: int | None = None,
        expires_at: datetime | None = None,
    ) -> int:
        """Change a key's seat limit or expiry (generation 2); returns how many keys changed.

        Raises:
            ConfigurationError: nothing to change, or generation 1.
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        path = self.api.require(self.api.update_key, "Updating a key")
        changes = self._terms(uses_per_key, expires_at)
        if not changes:
            raise ConfigurationError("update_key needs uses_per_key or expires_at to change.")
        body = self._write("PATCH", path, {**self._key_payload(license_key, product_id), **changes})
        affected = body.get("affectedCount", 1)
        log.info("updated key %s", redact(license_key))
        return affected if isinstance(affected, int) and not isinstance(affected, bool) else 1

    def delete_key(self, license_key: str, *, product_id: str | None = None) -> None:
        """Delete a key for good (generation 2): every device using it is refused at its next
        online check.

        Raises:
            ConfigurationError: generation 1.
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        path = self.api.require(self.api.delete_key, "Deleting a key")
        self._write("DELETE", path, self._key_payload(license_key, product_id))
        log.info("deleted key %s", redact(license_key))

    def block_key(self, license_key: str, *, product_id: str | None = None) -> None:
        """Block the key: its activations and checks are refused until it is unblocked.

        Blocking a blocked key is fine. Devices keep their seats; the guard on each of them
        refuses the license at its next online check.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        self._write("POST", self.api.block_key, self._key_payload(license_key, product_id))
        log.info("blocked key %s", redact(license_key))

    def unblock_key(self, license_key: str, *, product_id: str | None = None) -> None:
        """Unblock the key (unblocking an unblocked key is fine).

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        self._write("POST", self.api.unblock_key, self._key_payload(license_key, product_id))
        log.info("unblocked key %s", redact(license_key))

    def deactivate_device(
        self, license_key: str, host_id: str, *, product_id: str | None = None
    ) -> bool:
        """Free the seat *host_id* holds on the key. Returns False when it held none.

        The guard on that device refuses the license at its next online check
        (``DeviceDeactivatedError``) until it is activated again.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        check_length("host ID", host_id, HOST_ID_LENGTH, ConfigurationError)
        payload = self._key_payload(license_key, product_id)
        payload[self.api.host_id] = host_id
        freed = self._deactivate(payload)
        log.info(
            "%s host %s on key %s",
            "freed" if freed else "nothing to free for",
            host_id,
            redact(license_key),
        )
        return freed

    def deactivate_all(self, license_key: str, *, product_id: str | None = None) -> bool:
        """Free every seat of the key. Returns False when no device held one.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        freed = self._deactivate(self._key_payload(license_key, product_id))
        log.info(
            "%s on key %s", "freed every seat" if freed else "no seat to free", redact(license_key)
        )
        return freed

    def sign_offline_license(
        self,
        license_key: str,
        host_id: str,
        *,
        product_id: str | None = None,
        ttl: int | None = None,
    ) -> str:
        """A signed offline license (``.lic`` text) for the computer with *host_id*, for a
        customer whose computer cannot reach the server (generation 2; needs an admin token).
        Send it to them: ``guard.activate(key, signed_file=...)`` reads it. Takes no seat.

        Args:
            ttl: seconds the file vouches for (the server's default when None).

        Raises:
            ConfigurationError: generation 1, or a ttl that is not a positive whole number.
            AccessTokenError: the token may not sign.
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
            LicenseDeniedError: the key is blocked or expired.
        """
        path = self.api.require(self.api.sign_key, "Signing an offline license")
        check_length("host ID", host_id, HOST_ID_LENGTH, ConfigurationError)
        payload = {**self._key_payload(license_key, product_id), self.api.host_id: host_id}
        if ttl is not None:
            if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
                raise ConfigurationError("ttl must be a positive whole number of seconds.")
            payload["ttl"] = ttl
        response = self._send(ApiCall("POST", path, payload, self._idempotency()))
        text = parse_signed_file(answer(response, messages=ADMIN_MESSAGES, with_code=False))
        log.info("signed an offline license of key %s for host %s", redact(license_key), host_id)
        return text

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> KeymintAdmin:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------------

    def _deactivate(self, payload: Mapping[str, Any]) -> bool:
        try:
            body = self._write("POST", self.api.deactivate_key, payload)
        except InvalidLicenseKeyError:
            raise
        except LicenseDeniedError as exc:
            # 404 "Device not found" or 403 "License not activated": the seat is free already.
            log.debug("nothing to deactivate: %s", exc.server_message)
            return False
        return parse_deactivation(body).devices_removed != 0

    def _write(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        *,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """One write, with its own idempotency key (the same on each retry of it)."""
        response = self._send(
            ApiCall(method, path, payload, self._idempotency()), idempotent=idempotent
        )
        return answer(response, messages=ADMIN_MESSAGES)

    def _idempotency(self) -> dict[str, str]:
        return {IDEMPOTENCY_HEADER: self._new_idempotency_key()}

    def _send(self, call: ApiCall, *, idempotent: bool = True) -> Response:
        deadline = Deadline(self.timeout, clock=self._clock)
        return self._http.request(
            call.method,
            call.path,
            json_body=call.body,
            headers=call.headers,
            deadline=deadline,
            idempotent=idempotent,
        )

    def _terms(self, uses_per_key: int | None, expires_at: datetime | None) -> dict[str, Any]:
        terms: dict[str, Any] = {}
        if uses_per_key is not None:
            if isinstance(uses_per_key, bool) or not isinstance(uses_per_key, int):
                raise ConfigurationError("uses_per_key must be a whole number (or None).")
            if uses_per_key < 1:
                raise ConfigurationError(f"uses_per_key must be at least 1, not {uses_per_key}.")
            terms[self.api.seat_limit] = str(uses_per_key)  # the API wants a numeric string
        if expires_at is not None:
            terms["expiryDate"] = self._future(expires_at)
        return terms

    def _product(self, product_id: str | None) -> str:
        chosen = product_id if product_id is not None else self.product_id
        if chosen is None:
            raise ConfigurationError(
                "No product id: pass product_id=..., or give KeymintAdmin a default product_id."
            )
        check_length("product id", chosen, PRODUCT_ID_LENGTH, ConfigurationError)
        return chosen

    def _key_payload(self, license_key: str, product_id: str | None) -> dict[str, Any]:
        check_license_key(license_key)
        return {
            self.api.product_id: self._product(product_id),
            self.api.license_key: license_key.strip(),
        }

    def _future(self, expires_at: datetime) -> str:
        if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
            raise ConfigurationError(
                "expires_at must be a timezone-aware datetime, e.g. "
                "datetime(2031, 1, 1, tzinfo=timezone.utc)."
            )
        if expires_at <= self._clock.now():
            raise ConfigurationError(f"expires_at ({expires_at:%Y-%m-%d %H:%M %Z}) has passed.")
        return iso_time(expires_at)
