"""The vendor's side of Keymint: create keys, look them up, block them, free their devices.

:class:`KeymintAdmin` runs where the vendor's secrets live (a purchase webhook, a back office, a
support desk), never inside the shipped app. It speaks the same generation-1 API as the guard
through the same parts: :class:`~license_guard.http.HttpClient` (timeouts, one deadline per call,
retries with backoff and ``Retry-After``, error translation) and the Keymint backend's table of
paths, field names and errors. Only the messages differ: they are written for the vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from license_guard._log import get_logger
from license_guard._redact import redact
from license_guard.backends.keymint.answers import (
    KeyDetails,
    NewCustomer,
    iso_time,
    parse_key_details,
)
from license_guard.backends.keymint.api import (
    DEFAULT_BASE_URL,
    GENERATION_1,
    HOST_ID_LENGTH,
    LICENSE_KEY_LENGTH,
    PRODUCT_ID_LENGTH,
    KeymintApi,
    answer,
    check_length,
    check_license_key,
    key_data,
)
from license_guard.clock import Clock, SystemClock
from license_guard.errors import (
    AccessTokenError,
    ConfigurationError,
    CustomerExistsError,
    CustomerNotFoundError,
    DeviceDeactivatedError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LicenseDeniedError,
    LicenseError,
    LicenseUnreachableError,
    ProductNotFoundError,
)
from license_guard.http import Deadline, HttpClient

if TYPE_CHECKING:
    import httpx

    from license_guard.http import HttpSettings, Response

__all__ = ["ADMIN_MESSAGES", "KeymintAdmin"]

log = get_logger("license_guard.admin")

#: The text of every error :func:`~license_guard.backends.keymint.api.keymint_error` can
#: name, for the vendor's staff rather than the app's user. The server's own text is in
#: ``server_message``.
ADMIN_MESSAGES: Mapping[type[LicenseError], str] = {
    ConfigurationError: (
        "The licensing server rejected the request as malformed; check the arguments, the "
        "product id and the server URL."
    ),
    AccessTokenError: (
        "The licensing server rejected the admin access token: it is wrong, expired, or not "
        "allowed for this product."
    ),
    ProductNotFoundError: "The licensing server does not know this product id, or it is inactive.",
    CustomerNotFoundError: (
        "The licensing server has no customer with this id; check it, or create the key with a "
        "new customer."
    ),
    CustomerExistsError: (
        "A customer with this e-mail already exists; create the key for that customer's id instead."
    ),
    InvalidLicenseKeyError: "The licensing server does not know this license key for this product.",
    LicenseDeniedError: "The licensing server refused the request.",
    DeviceDeactivatedError: "No device with this host ID is activated on this key.",
    LicenseUnreachableError: "The licensing server had an internal error; try again later.",
}


class KeymintAdmin:
    """A Keymint admin client: create-key, get-key, block-key, unblock-key, deactivate-key.

    The access token here is the vendor's, able to create and block keys: keep it on the
    vendor's servers, never in the app. It is never logged or shown in full.

    Each method takes ``product_id``; *product_id* here is the default when a call gives none.
    Each call has *timeout* seconds in total, retries included. Every method raises
    ``ConfigurationError`` for bad arguments (before any request), a bad token
    (``AccessTokenError``) or an unknown product (``ProductNotFoundError``), and
    ``LicenseUnreachableError`` when the server cannot be asked; the rest is in each docstring.

    Args:
        access_token: a Keymint access token allowed to manage keys of the products used.
        base_url: the API root; the emulator's URL in tests and demos.
        product_id: the product to use when a call names none.
        timeout: seconds each call may take, retries included.
        api: the endpoint paths and field names (``GENERATION_1``).
        http: timeouts, retries and TLS trust (``license_guard.http.HttpSettings``).
        transport: an httpx transport, to talk to an in-process server in tests.
        clock: the time source for retries, deadlines and "is this expiry in the future".
    """

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        product_id: str | None = None,
        timeout: float = 30.0,
        api: KeymintApi = GENERATION_1,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
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
        self.api = api
        self._access_token = access_token
        self._clock = clock or SystemClock()
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
            f"access_token={redact(self._access_token)!r})"
        )

    def create_key(
        self,
        *,
        product_id: str | None = None,
        uses_per_key: int | None = None,
        expires_at: datetime | None = None,
        customer_id: str | None = None,
        new_customer: NewCustomer | None = None,
    ) -> str:
        """Create a license key and return it.

        Args:
            uses_per_key: how many devices may activate it (None: unlimited).
            expires_at: an aware datetime in the future; None lets the server choose (Keymint:
                one month after creation). The API cannot create a key that never expires.
            customer_id: an existing customer to own the key; or
            new_customer: a customer to create with the key (not both).

        Not repeated after a failure that leaves open whether the server created the key
        (a reset connection, a timeout, a 502 or 504): that error says so, so the caller checks
        before creating a second key. Failures that prove nothing was created (no connection,
        429, 503) are retried within the timeout.

        Raises:
            ConfigurationError: bad arguments, including both customer_id and new_customer.
            CustomerNotFoundError: customer_id names no customer.
            CustomerExistsError: new_customer's e-mail belongs to an existing customer.
        """
        payload: dict[str, Any] = {self.api.product_id: self._product(product_id)}
        if uses_per_key is not None:
            if isinstance(uses_per_key, bool) or not isinstance(uses_per_key, int):
                raise ConfigurationError("uses_per_key must be a whole number (or None).")
            if uses_per_key < 1:
                raise ConfigurationError(f"uses_per_key must be at least 1, not {uses_per_key}.")
            payload["usesPerKey"] = str(uses_per_key)  # the API wants a numeric string
        if expires_at is not None:
            payload["expiryDate"] = self._future(expires_at)
        if customer_id is not None and new_customer is not None:
            raise ConfigurationError("Give customer_id or new_customer, not both.")
        if customer_id is not None:
            if not isinstance(customer_id, str) or not customer_id.strip():
                raise ConfigurationError("customer_id must not be empty.")
            payload["customerId"] = customer_id
        if new_customer is not None:
            payload["newCustomer"] = new_customer.to_json()
        body = self._call(self.api.create_key, payload, idempotent=False)
        key = body.get("key")
        low, high = LICENSE_KEY_LENGTH
        if not isinstance(key, str) or not low <= len(key) <= high:
            raise InvalidResponseError("The licensing server created a key but did not send it.")
        log.info("created key %s for product %s", redact(key), payload[self.api.product_id])
        return key

    def get_key(self, license_key: str, *, product_id: str | None = None) -> KeyDetails:
        """The license, its devices and its customer, as the server has them now.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
            InvalidResponseError: the answer does not have the documented shape.
        """
        payload = self._key_payload(license_key, product_id)
        response = self._post(self.api.get_key, payload)
        license_data, customer = key_data(answer(response, messages=ADMIN_MESSAGES))
        details = parse_key_details(license_data, customer, response.date)
        log.debug(
            "looked up key %s: %d seat(s) taken", redact(license_key), len(details.license.devices)
        )
        return details

    def block_key(self, license_key: str, *, product_id: str | None = None) -> None:
        """Block the key: its activations and checks are refused until it is unblocked.

        Blocking a blocked key is fine. Devices keep their seats; the guard on each of them
        refuses the license at its next online check.

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        self._call(self.api.block_key, self._key_payload(license_key, product_id))
        log.info("blocked key %s", redact(license_key))

    def unblock_key(self, license_key: str, *, product_id: str | None = None) -> None:
        """Unblock the key (unblocking an unblocked key is fine).

        Raises:
            InvalidLicenseKeyError: the key is malformed or unknown for this product.
        """
        self._call(self.api.unblock_key, self._key_payload(license_key, product_id))
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
            self._call(self.api.deactivate_key, payload)
        except InvalidLicenseKeyError:
            raise
        except LicenseDeniedError as exc:
            # 404 "Device not found" or 403 "License not activated": the seat is free already.
            log.debug("nothing to deactivate: %s", exc.server_message)
            return False
        return True

    def _call(
        self, path: str, payload: Mapping[str, Any], *, idempotent: bool = True
    ) -> dict[str, Any]:
        return answer(self._post(path, payload, idempotent=idempotent), messages=ADMIN_MESSAGES)

    def _post(self, path: str, payload: Mapping[str, Any], *, idempotent: bool = True) -> Response:
        deadline = Deadline(self.timeout, clock=self._clock)
        return self._http.request(
            "POST", path, json_body=payload, deadline=deadline, idempotent=idempotent
        )

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
