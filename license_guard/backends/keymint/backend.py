"""The Keymint backend: activate-key, get-key and deactivate-key for the guard.

Several refusals share one status and code (403/2 means expired, blocked, full or customer
inactive), so after a 403 the backend reads the key with get-key and names the reason from the
facts (expiry date, customer state, seats) instead of parsing the message. Keymint has no
per-license features: the features a Keymint license grants are those the vendor configures on
the backend. The contract itself (paths, fields, errors) is data in
:mod:`license_guard.backends.keymint.api`.
"""

from __future__ import annotations

import _thread  # threading's Lock is this one; its module costs a start ~1 ms
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from license_guard._redact import redact
from license_guard.backends.base import Backend, LicenseInfo
from license_guard.backends.keymint.api import (
    DEFAULT_BASE_URL,
    DEVICE_TAG_LENGTH,
    GENERATION_1,
    HOST_ID_LENGTH,
    PRODUCT_ID_LENGTH,
    KeymintApi,
    answer,
    check_length,
    check_license_key,
    device_ids,
    error_body,
    error_for,
    expiry_of,
    key_data,
    keymint_error,
    optional_int,
    optional_str,
    success_body,
)
from license_guard.clock import Clock, SystemClock
from license_guard.errors import (
    ActivationLimitError,
    ConfigurationError,
    CustomerInactiveError,
    DeviceDeactivatedError,
    InvalidResponseError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
)

if TYPE_CHECKING:
    import httpx

    from license_guard.http import Deadline, HttpClient, HttpSettings

__all__ = ["DEFAULT_BASE_URL", "GENERATION_1", "KeymintApi", "KeymintBackend"]


class KeymintBackend(Backend):
    """Keymint (https://keymint.dev), generation-1 API.

    Use a token scoped to this one product: it ships inside the app, and Keymint's own docs
    warn that client code can be read. The token is never logged, shown or stored.

    Args:
        product_id: the Keymint product id (``prod_...``).
        access_token: a Keymint access token, preferably product-scoped.
        base_url: the API root; the emulator's URL in tests and demos.
        features: the features every license of this product unlocks (Keymint licenses carry
            none of their own). ``None`` (the default) leaves a lease's features as they are:
            a tool such as the CLI can then check a lease an app wrote without emptying them.
        http: timeouts, retries and TLS trust (``license_guard.http.HttpSettings``).
        transport: an httpx transport, to talk to an in-process server in tests.
        clock: the time source for retries and deadlines.
    """

    name = "keymint"

    def __init__(
        self,
        *,
        product_id: str,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        features: Iterable[str] | None = None,
        api: KeymintApi = GENERATION_1,
        http: HttpSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        check_length("product_id", product_id, PRODUCT_ID_LENGTH, ConfigurationError)
        if not isinstance(access_token, str) or not access_token.strip():
            raise ConfigurationError("KeymintBackend needs an access_token.")
        self.product_id = product_id
        self.base_url = base_url
        if isinstance(features, str):  # frozenset("export-4k") would be its letters
            raise ConfigurationError("features must be a collection of names, not one string.")
        self.features = None if features is None else frozenset(features)
        self.api = api
        self._access_token = access_token
        self._settings = http
        self._transport = transport
        self._clock = clock or SystemClock()
        self._client: HttpClient | None = None
        self._client_lock = _thread.allocate_lock()

    def __repr__(self) -> str:
        return (
            f"KeymintBackend(product_id={self.product_id!r}, base_url={self.base_url!r}, "
            f"access_token={redact(self._access_token)!r})"
        )

    def activate(
        self, license_key: str, *, host_id: str, device_tag: str | None, deadline: Deadline
    ) -> LicenseInfo:
        """activate-key, then get-key for expiry, licensee and seats. See Backend.activate."""
        check_license_key(license_key)
        check_length("host_id", host_id, HOST_ID_LENGTH, ConfigurationError)
        payload = self._key_payload(license_key)
        payload[self.api.host_id] = host_id
        if device_tag:
            payload[self.api.device_tag] = device_tag[: DEVICE_TAG_LENGTH[1]]
        activated = self._call(self.api.activate_key, payload, deadline, license_key, host_id)
        license_data, customer, server_time = self.get_key(license_key, deadline=deadline)
        if host_id not in device_ids(license_data):
            raise InvalidResponseError(
                "The licensing server accepted the activation but does not list this computer."
            )
        return self._info(license_data, customer, server_time, activated)

    def validate(self, license_key: str, *, host_id: str, deadline: Deadline) -> LicenseInfo:
        """get-key, checked against this device; then activate-key, which takes no new seat
        for a listed device but is the only call that refuses a blocked key.
        See Backend.validate.
        """
        check_license_key(license_key)
        license_data, customer, server_time = self.get_key(license_key, deadline=deadline)
        reason = _refusal(license_data, customer, server_time, host_id, activated=True)
        if reason is not None:
            raise reason
        payload = self._key_payload(license_key)
        payload[self.api.host_id] = host_id
        activated = self._call(self.api.activate_key, payload, deadline, license_key, host_id)
        return self._info(license_data, customer, server_time, activated)

    def deactivate(self, license_key: str, *, host_id: str, deadline: Deadline) -> bool:
        """deactivate-key for this host. See Backend.deactivate."""
        check_license_key(license_key)
        payload = self._key_payload(license_key)
        payload[self.api.host_id] = host_id
        response = self._http.request(
            "POST", self.api.deactivate_key, json_body=payload, deadline=deadline
        )
        if response.status == 200:
            success_body(response)
            return True
        error = keymint_error(response.status, error_body(response))
        # Nothing to free: "Device not found", "License not activated", or a key gone for good.
        if isinstance(error, LicenseDeniedError):
            return False
        raise error

    def get_key(
        self, license_key: str, *, deadline: Deadline
    ) -> tuple[dict[str, Any], dict[str, Any] | None, datetime | None]:
        """get-key: the license object, its customer (or None) and the server's time.

        Raises:
            InvalidLicenseKeyError: the key is unknown to this product.
            InvalidResponseError: the answer does not have the documented shape.
            LicenseUnreachableError, ConfigurationError: as for any call.
        """
        response = self._http.request(
            "POST", self.api.get_key, json_body=self._key_payload(license_key), deadline=deadline
        )
        license_data, customer = key_data(answer(response))
        return license_data, customer, response.date

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def _http(self) -> HttpClient:
        with self._client_lock:
            if self._client is None:
                from license_guard.http import HttpClient

                self._client = HttpClient(
                    self.base_url,
                    authorization=f"Bearer {self._access_token}",
                    settings=self._settings,
                    transport=self._transport,
                    clock=self._clock,
                )
            return self._client

    def _key_payload(self, license_key: str) -> dict[str, Any]:
        return {self.api.product_id: self.product_id, self.api.license_key: license_key}

    def _call(
        self,
        path: str,
        payload: Mapping[str, Any],
        deadline: Deadline,
        license_key: str,
        host_id: str,
    ) -> dict[str, Any]:
        response = self._http.request("POST", path, json_body=payload, deadline=deadline)
        if response.status == 200:
            return success_body(response)
        error = keymint_error(response.status, error_body(response))
        if response.status == 403:
            error = self._explain_refusal(error, license_key, host_id, deadline)
        raise error

    def _explain_refusal(
        self, error: LicenseError, license_key: str, host_id: str, deadline: Deadline
    ) -> LicenseError:
        """Name the reason for a 403 from the key's state, read with get-key."""
        try:
            license_data, customer, server_time = self.get_key(license_key, deadline=deadline)
        except LicenseError:
            return error
        # Without the server's Date, this clock decides whether the expiry has passed.
        reason = _refusal(license_data, customer, server_time or self._clock.now(), host_id)
        if reason is None:
            # Not expired, customer active, a seat free: blocked is the one refusal get-key
            # cannot show. Name it only when the server's own words agree; else keep them.
            said = (error.server_message or "").lower()
            blocked = not said or "block" in said
            reason = error_for(
                LicenseBlockedError if blocked else LicenseDeniedError, error.server_message
            )
        reason.server_message = error.server_message
        return reason

    def _info(
        self,
        license_data: Mapping[str, Any],
        customer: Mapping[str, Any] | None,
        server_time: datetime | None,
        activated: Mapping[str, Any],
    ) -> LicenseInfo:
        name = optional_str(customer.get("name")) if customer else None
        email = optional_str(customer.get("email")) if customer else None
        return LicenseInfo(
            server_time=server_time,
            expires_at=expiry_of(license_data),
            licensee_name=name or optional_str(activated.get("licensee_name")),
            licensee_email=email or optional_str(activated.get("licensee_email")),
            features=self.features,
            usage_limit=optional_int(license_data.get("usage_limit")),
            activations=optional_int(license_data.get("activations")),
        )


def _refusal(
    license_data: Mapping[str, Any],
    customer: Mapping[str, Any] | None,
    server_time: datetime | None,
    host_id: str,
    *,
    activated: bool = False,
) -> LicenseError | None:
    """Why the server would refuse this license for this host, from get-key facts, if it would.

    With *activated*, the host held a seat: not being listed means its seat was freed
    (DeviceDeactivatedError), whatever has become of that seat since.
    """
    expires_at = expiry_of(license_data)
    if expires_at is not None and server_time is not None and server_time >= expires_at:
        return LicenseExpiredError(
            f"This license expired on {expires_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expires_at,
        )
    if customer is not None and customer.get("active") is False:
        return error_for(CustomerInactiveError, None)
    listed = host_id in device_ids(license_data)
    if activated and not listed:
        return error_for(DeviceDeactivatedError, None)
    limit = optional_int(license_data.get("usage_limit"))
    used = optional_int(license_data.get("activations")) or 0
    if limit is not None and used >= limit and not listed:
        return ActivationLimitError(
            f"This license is already activated on {used} of {limit} computers. Release it on "
            "another computer, or ask the vendor's support to free a seat."
        )
    return None
