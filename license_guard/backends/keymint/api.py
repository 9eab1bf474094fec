"""The Keymint API as data: paths and field names, limits, errors, and the shapes of answers.

Everything that speaks Keymint (the guard's backend, the vendor's admin client) reads the
contract from here, so a second API generation is added beside the first in one place.
Keymint decides by HTTP status first and ``code`` second; its ``message`` is text to show, used
here only to tell apart the not-found cases that share one status and code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from license_guard._record import Record
from license_guard.clock import parse_iso8601
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
    LicenseUnreachableError,
    ProductNotFoundError,
)

if TYPE_CHECKING:
    from license_guard.http import Response

__all__ = [
    "DEFAULT_BASE_URL",
    "DEVICE_TAG_LENGTH",
    "ERROR_TABLE",
    "GENERATION_1",
    "HOST_ID_LENGTH",
    "LICENSE_KEY_LENGTH",
    "NOT_FOUND_HINTS",
    "PRODUCT_ID_LENGTH",
    "USER_MESSAGES",
    "KeymintApi",
    "answer",
    "check_length",
    "check_license_key",
    "device_ids",
    "error_body",
    "error_for",
    "expiry_of",
    "key_data",
    "keymint_error",
    "optional_int",
    "optional_str",
    "parse_time",
    "success_body",
]

DEFAULT_BASE_URL = "https://api.keymint.dev"


class KeymintApi(Record):
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

    An answer without Keymint's error shape (a JSON object with an integer ``code``) did not
    come from Keymint: a proxy's or firewall's 403 page, a web server's 404. That is
    :class:`InvalidResponseError` ("could not ask": grace applies), never a refusal.
    """
    code = body.get("code") if body else None
    if body is None or isinstance(code, bool) or not isinstance(code, int):
        return InvalidResponseError(
            f"The answer from the licensing server's address (HTTP {status}) is not a licensing "
            "server's: a proxy, firewall or captive portal may be in the way."
        )
    message = body.get("message")
    server_message = message if isinstance(message, str) else None
    error_class = ERROR_TABLE.get((status, code))
    if error_class is None:
        error_class = ERROR_TABLE.get((status, None))
    if error_class is None:
        return InvalidResponseError(
            f"The licensing server answered with an unexpected HTTP {status}.",
            server_message=server_message,
        )
    if status == 404 and code == 1 and server_message:
        lowered = server_message.lower()
        for hint, hinted_class in NOT_FOUND_HINTS:
            if hint in lowered:
                error_class = hinted_class
                break
    return error_for(error_class, server_message, messages)


def error_for(
    error_class: type[LicenseError],
    server_message: str | None,
    messages: Mapping[type[LicenseError], str] = USER_MESSAGES,
) -> LicenseError:
    text = messages[error_class]
    if error_class is LicenseDeniedError and server_message:
        text = f"The licensing server refused this license: {server_message}."
    return error_class(text, server_message=server_message)


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
    device_ids(license_data)  # validates the device list's shape early
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
        raise keymint_error(response.status, error_body(response), messages=messages)
    return success_body(response)


def success_body(response: Response) -> dict[str, Any]:
    body = response.json_object()
    if body.get("code") != 0:
        raise InvalidResponseError("The licensing server's answer did not report success.")
    return body


def error_body(response: Response) -> dict[str, Any] | None:
    try:
        return response.json_object()
    except InvalidResponseError:
        return None


def device_ids(license_data: Mapping[str, Any]) -> frozenset[str]:
    devices = license_data.get("devices") or []
    if not isinstance(devices, list) or not all(
        isinstance(device, dict) and isinstance(device.get("host_id"), str) for device in devices
    ):
        raise InvalidResponseError("The licensing server's device list is malformed.")
    return frozenset(device["host_id"] for device in devices)


def expiry_of(license_data: Mapping[str, Any]) -> datetime | None:
    value = license_data.get("expiration_date")
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError) as exc:
        raise InvalidResponseError("The licensing server sent an unreadable expiry date.") from exc


def parse_time(value: object) -> datetime:
    """A Keymint timestamp (ISO 8601 with a zone) as aware UTC.

    Raises:
        ValueError: not a string, not ISO 8601, without a zone, or out of range.
    """
    return parse_iso8601(value)


def optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def optional_int(value: object) -> int | None:
    """A count from an answer (``usage_limit``, ``activations``): None when absent or null.

    Only a JSON number is a count: ``"1"`` is not, though a create-key *request* sends
    ``usesPerKey`` as text.

    Raises:
        InvalidResponseError: anything but null or a whole number of zero or more.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidResponseError("The licensing server sent a count that is not a number.")
    return value
