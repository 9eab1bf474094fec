"""The Keymint backend: activate-key, get-key and deactivate-key, and Keymint's errors as data.

Keymint decides by HTTP status first and ``code`` second; its ``message`` is text to show. Several
refusals share one status and code (403/2 means expired, blocked, full or customer inactive), so
after a 403 the backend reads the key with get-key and names the reason from the facts (expiry
date, customer state, seats) instead of parsing the message. Keymint has no per-license
features: the features a Keymint license grants are those the vendor configures on the backend.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from license_guard._redact import redact
from license_guard.backends.base import Backend, LicenseInfo
from license_guard.clock import Clock, SystemClock, utc
from license_guard.errors import (
    AccessTokenError,
    ActivationLimitError,
    ConfigurationError,
    CustomerExistsError,
    CustomerInactiveError,
    CustomerNotFoundError,
    DeviceDeactivatedError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    ProductNotFoundError,
)

if TYPE_CHECKING:
    import httpx

    from license_guard.http import Deadline, HttpClient, HttpSettings, Response

__all__ = [
    "DEFAULT_BASE_URL",
    "GENERATION_1",
    "KeymintApi",
    "KeymintBackend",
    "answer",
    "check_length",
    "check_license_key",
    "key_data",
    "keymint_error",
    "parse_time",
]

DEFAULT_BASE_URL = "https://api.keymint.dev"


@dataclass(frozen=True)
class KeymintApi:
    """The paths and field names of one generation of the Keymint API."""

    create_key: str
    activate_key: str
    get_key: str
    deactivate_key: str
    block_key: str
    unblock_key: str
    product_id: str = "productId"
    license_key: str = "licenseKey"
    host_id: str = "hostId"
    device_tag: str = "deviceTag"


GENERATION_1 = KeymintApi(
    create_key="/create-key",
    activate_key="/activate-key",
    get_key="/get-key",
    deactivate_key="/deactivate-key",
    block_key="/block-key",
    unblock_key="/unblock-key",
)

# Field limits of the contract; checked before sending so a typo gets a clear local answer.
LICENSE_KEY_LENGTH = (23, 256)
PRODUCT_ID_LENGTH = (22, 256)
HOST_ID_LENGTH = (1, 64)
DEVICE_TAG_LENGTH = (1, 64)

# (HTTP status, Keymint code) -> error. A code of None matches any code of that status. Both
# numberings of the contract are here: generation 1 (1 = request/lookup, 2 = state) and the
# overview's (2 = limit, 3 = key, 4 = product, 5 = customer).
ERROR_TABLE: Mapping[tuple[int, int | None], type[LicenseError]] = {
    (400, None): ConfigurationError,
    (401, None): AccessTokenError,
    (403, None): LicenseDeniedError,
    (403, 2): LicenseDeniedError,
    (404, None): ConfigurationError,
    (404, 1): ConfigurationError,
    (404, 2): CustomerNotFoundError,
    (404, 3): InvalidLicenseKeyError,
    (404, 4): ProductNotFoundError,
    (404, 5): CustomerNotFoundError,
    (409, None): ConfigurationError,
    (409, 2): CustomerExistsError,
    (429, None): LicenseUnreachableError,
    (500, None): LicenseUnreachableError,
}

# 404/1 covers product, key, device and unknown paths alike; only the text tells them apart.
# A wrong product id or URL is the vendor's bug, a wrong key the user's typo: worth the
# distinction. Without a recognised text a 404 stays a ConfigurationError (check the URL).
NOT_FOUND_HINTS: tuple[tuple[str, type[LicenseError]], ...] = (
    ("product", ProductNotFoundError),
    ("device", DeviceDeactivatedError),
    ("key", InvalidLicenseKeyError),
    ("license", InvalidLicenseKeyError),
)

USER_MESSAGES: Mapping[type[LicenseError], str] = {
    ConfigurationError: (
        "The licensing server rejected the app's request (check the server URL and product); "
        "contact the vendor."
    ),
    AccessTokenError: (
        "The licensing server rejected this app's access token. The app is misconfigured; "
        "contact the vendor."
    ),
    ProductNotFoundError: (
        "The licensing server does not know this product, or it is inactive; contact the vendor."
    ),
    CustomerNotFoundError: "The licensing server does not know this customer; contact the vendor.",
    CustomerExistsError: "The licensing server already has this customer; contact the vendor.",
    InvalidLicenseKeyError: "This license key is not valid. Check it and try again.",
    LicenseDeniedError: "The licensing server refused this license.",
    LicenseBlockedError: "This license key has been blocked. Contact the vendor for help.",
    ActivationLimitError: (
        "This license is already activated on as many computers as it allows. Release it on "
        "another computer, or ask the vendor's support to free a seat."
    ),
    CustomerInactiveError: "The account that owns this license is inactive. Contact the vendor.",
    DeviceDeactivatedError: (
        "This computer's activation was removed. Activate it again with your license key."
    ),
    LicenseUnreachableError: "The licensing server had an internal error; try again later.",
}


def keymint_error(
    status: int,
    body: Mapping[str, Any] | None,
    *,
    messages: Mapping[type[LicenseError], str] = USER_MESSAGES,
) -> LicenseError:
    """Translate one Keymint error answer into the library's error (status first, code second).

    *messages* holds the text of each error class: the app user's by default; vendor tools pass
    their own (every class the table and the not-found hints can name must be in it).
    """
    code = body.get("code") if body else None
    message = body.get("message") if body else None
    server_message = message if isinstance(message, str) else None
    error_class = ERROR_TABLE.get((status, code if isinstance(code, int) else None))
    if error_class is None:
        error_class = ERROR_TABLE.get((status, None))
    if error_class is None:
        return InvalidResponseError(
            f"The licensing server answered with an unexpected HTTP {status}.",
            server_message=server_message,
        )
    if status == 404 and code in (1, None) and server_message:
        lowered = server_message.lower()
        for hint, hinted_class in NOT_FOUND_HINTS:
            if hint in lowered:
                error_class = hinted_class
                break
    return _error(error_class, server_message, messages)


def _error(
    error_class: type[LicenseError],
    server_message: str | None,
    messages: Mapping[type[LicenseError], str] = USER_MESSAGES,
) -> LicenseError:
    text = messages[error_class]
    if error_class is LicenseDeniedError and server_message:
        text = f"The licensing server refused this license: {server_message}."
    return error_class(text, server_message=server_message)


class KeymintBackend(Backend):
    """Keymint (https://keymint.dev), generation-1 API.

    Use a token scoped to this one product: it ships inside the app, and Keymint's own docs
    warn that client code can be read. The token is never logged, shown or stored.

    Args:
        product_id: the Keymint product id (``prod_...``).
        access_token: a Keymint access token, preferably product-scoped.
        base_url: the API root; the emulator's URL in tests and demos.
        features: the features every license of this product unlocks (Keymint licenses carry
            none of their own).
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
        features: frozenset[str] | set[str] | tuple[str, ...] = frozenset(),
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
        self.features = frozenset(features)
        self.api = api
        self._access_token = access_token
        self._settings = http
        self._transport = transport
        self._clock = clock or SystemClock()
        self._client: HttpClient | None = None
        self._client_lock = threading.Lock()

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
        if host_id not in _device_ids(license_data):
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
        reason = _refusal(license_data, customer, server_time, host_id)
        if reason is None and host_id not in _device_ids(license_data):
            reason = _error(DeviceDeactivatedError, None)
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
            _success_body(response)
            return True
        error = keymint_error(response.status, _error_body(response))
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
            return _success_body(response)
        error = keymint_error(response.status, _error_body(response))
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
        reason = _refusal(license_data, customer, server_time, host_id)
        if reason is None:
            reason = _error(LicenseBlockedError, error.server_message)
        reason.server_message = error.server_message
        return reason

    def _info(
        self,
        license_data: Mapping[str, Any],
        customer: Mapping[str, Any] | None,
        server_time: datetime | None,
        activated: Mapping[str, Any],
    ) -> LicenseInfo:
        name = _optional_str(customer.get("name")) if customer else None
        email = _optional_str(customer.get("email")) if customer else None
        return LicenseInfo(
            server_time=server_time,
            expires_at=_expiry(license_data),
            licensee_name=name or _optional_str(activated.get("licensee_name")),
            licensee_email=email or _optional_str(activated.get("licensee_email")),
            features=self.features,
            usage_limit=_optional_int(license_data.get("usage_limit")),
            activations=_optional_int(license_data.get("activations")),
        )


def check_license_key(license_key: object) -> None:
    """Reject a key that cannot be a Keymint key before it is sent.

    Raises:
        InvalidLicenseKeyError: not a string of 23 to 256 characters.
    """
    if not isinstance(license_key, str):
        raise InvalidLicenseKeyError("A license key must be text.")
    check_length("license key", license_key.strip(), LICENSE_KEY_LENGTH, InvalidLicenseKeyError)


def check_length(
    what: str, value: object, bounds: tuple[int, int], error: type[LicenseError]
) -> None:
    """Raise *error* unless *value* is a string whose length is within *bounds*."""
    low, high = bounds
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise error(f"The {what} must be {low} to {high} characters long.")


def _refusal(
    license_data: Mapping[str, Any],
    customer: Mapping[str, Any] | None,
    server_time: datetime | None,
    host_id: str,
) -> LicenseError | None:
    """Why the server would refuse this license for this host, from get-key facts, if it would."""
    expires_at = _expiry(license_data)
    if expires_at is not None and server_time is not None and server_time >= expires_at:
        return LicenseExpiredError(
            f"This license expired on {expires_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expires_at,
        )
    if customer is not None and customer.get("active") is False:
        return _error(CustomerInactiveError, None)
    limit = _optional_int(license_data.get("usage_limit"))
    used = _optional_int(license_data.get("activations")) or 0
    if limit is not None and used >= limit and host_id not in _device_ids(license_data):
        return ActivationLimitError(
            f"This license is already activated on {used} of {limit} computers. Release it on "
            "another computer, or ask the vendor's support to free a seat."
        )
    return None


def key_data(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The license object and the customer object (or None) of a get-key success body.

    Raises:
        InvalidResponseError: no license object, a customer that is not an object, or a
            malformed device list.
    """
    data = body.get("data")
    license_data = data.get("license") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(license_data, dict):
        raise InvalidResponseError("The licensing server's key lookup had no license in it.")
    customer = data.get("customer")
    if customer is not None and not isinstance(customer, dict):
        raise InvalidResponseError("The licensing server's key lookup had a bad customer.")
    _device_ids(license_data)  # validates the device list's shape early
    return license_data, customer


def answer(
    response: Response, *, messages: Mapping[type[LicenseError], str] = USER_MESSAGES
) -> dict[str, Any]:
    """The body of a successful answer, or the error a failed one means (see keymint_error).

    Raises:
        LicenseError: the subclass ERROR_TABLE names for the status and code.
        InvalidResponseError: a 200 that is not a JSON object reporting ``"code": 0``.
    """
    if response.status != 200:
        raise keymint_error(response.status, _error_body(response), messages=messages)
    return _success_body(response)


def _success_body(response: Response) -> dict[str, Any]:
    body = response.json_object()
    if body.get("code") != 0:
        raise InvalidResponseError("The licensing server's answer did not report success.")
    return body


def _error_body(response: Response) -> dict[str, Any] | None:
    try:
        return response.json_object()
    except InvalidResponseError:
        return None


def _device_ids(license_data: Mapping[str, Any]) -> frozenset[str]:
    devices = license_data.get("devices") or []
    if not isinstance(devices, list) or not all(
        isinstance(device, dict) and isinstance(device.get("host_id"), str) for device in devices
    ):
        raise InvalidResponseError("The licensing server's device list is malformed.")
    return frozenset(device["host_id"] for device in devices)


def _expiry(license_data: Mapping[str, Any]) -> datetime | None:
    value = license_data.get("expiration_date")
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError) as exc:
        raise InvalidResponseError("The licensing server sent an unreadable expiry date.") from exc


def parse_time(value: object) -> datetime:
    """An ISO 8601 timestamp (``Z`` accepted on every Python) as aware UTC.

    Raises:
        ValueError: not an ISO 8601 timestamp. TypeError: not a string.
    """
    if not isinstance(value, str):
        raise TypeError("timestamp must be a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return utc(datetime.fromisoformat(text))


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
