"""The Keymint API as data: both generations' paths and field names, limits, and errors.

Everything that speaks Keymint (the guard's backend, the vendor's admin client) reads the
contract from here: :data:`GENERATION_1` (the seed documents) and :data:`GENERATION_2` (what
Keymint's current SDK speaks) side by side. Answers are read by :mod:`.answers`.
Keymint decides by HTTP status first and ``code`` second; its ``message`` is text to show, used
here only to tell apart the not-found cases that share one status and code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from license_guard._record import Record
from license_guard.backends.keymint.answers import ErrorAnswer, parse_error
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
    "API_GENERATIONS",
    "BAD_REQUEST_HINTS",
    "DEFAULT_BASE_URL",
    "DEFAULT_GENERATION",
    "DETAIL_CODES",
    "DEVICE_TAG_LENGTH",
    "ERROR_TABLE",
    "FORBIDDEN_HINTS",
    "GENERATION_1",
    "GENERATION_2",
    "HOST_ID_LENGTH",
    "LICENSE_KEY_LENGTH",
    "NOT_FOUND_HINTS",
    "PRODUCT_ID_LENGTH",
    "USER_MESSAGES",
    "ApiCall",
    "KeymintApi",
    "answer",
    "api_for",
    "check_length",
    "check_license_key",
    "error_answer",
    "error_for",
    "keymint_error",
    "read_error",
]

DEFAULT_BASE_URL = "https://api.keymint.dev"

#: The generation a backend or admin client speaks unless told otherwise (docs/backends.md,
#: "Generation 1 or 2").
DEFAULT_GENERATION: Literal[1, 2] = 1


class ApiCall(Record):
    """One request as the API wants it: method, path (with its query), JSON body, headers."""

    method: str
    path: str
    body: Mapping[str, Any] | None
    headers: Mapping[str, str]


class KeymintApi(Record, kw_only=True):
    """The paths and field names of one generation of the Keymint API.

    A path that is None does not exist in that generation.
    """

    generation: int
    create_key: str
    activate_key: str
    get_key: str
    deactivate_key: str
    block_key: str
    unblock_key: str
    update_key: str | None = None
    delete_key: str | None = None
    sign_key: str | None = None
    checkout: str | None = None
    heartbeat: str | None = None
    checkin: str | None = None
    customers: str | None = None
    customer_by_id: str | None = None
    customer_keys: str | None = None
    customer_disable: str | None = None
    #: How create-key names the seat limit (a numeric string in both generations).
    seat_limit: str = "usesPerKey"
    #: Whether get-key is ``GET`` with the key in a header (generation 2) or a ``POST``.
    lookup_by_get: bool = False
    #: The header that carries the key of a generation-2 get-key.
    license_key_header: str = "x-license-key"
    product_id: str = "productId"
    license_key: str = "licenseKey"
    host_id: str = "hostId"
    device_tag: str = "deviceTag"

    def key_lookup(self, product_id: str, license_key: str) -> ApiCall:
        """The get-key request for *license_key* of *product_id*.

        Generation 2 sends the key in a header, never in the URL (which proxies log), and
        the product id as a query parameter.
        """
        if not self.lookup_by_get:
            body = {self.product_id: product_id, self.license_key: license_key}
            return ApiCall("POST", self.get_key, body, {})
        from urllib.parse import quote

        path = f"{self.get_key}?{self.product_id}={quote(product_id, safe='')}"
        return ApiCall("GET", path, None, {self.license_key_header: license_key})

    def require(self, path: str | None, what: str) -> str:
        """*path*, or ConfigurationError naming the generation that has *what*.

        Raises:
            ConfigurationError: this generation has no such call.
        """
        if path is None:
            raise ConfigurationError(
                f"{what} needs Keymint API generation 2; this client speaks generation "
                f"{self.generation} (pass api_generation=2)."
            )
        return path


GENERATION_1 = KeymintApi(
    generation=1,
    create_key="/create-key",
    activate_key="/activate-key",
    get_key="/get-key",
    deactivate_key="/deactivate-key",
    block_key="/block-key",
    unblock_key="/unblock-key",
)

GENERATION_2 = KeymintApi(
    generation=2,
    create_key="/key",
    activate_key="/key/activate",
    get_key="/key",
    deactivate_key="/key/deactivate",
    block_key="/key/block",
    unblock_key="/key/unblock",
    update_key="/key",
    delete_key="/key",
    sign_key="/key/sign",
    checkout="/key/checkout",
    heartbeat="/key/heartbeat",
    checkin="/key/checkin",
    customers="/customer",
    customer_by_id="/customer/by-id",
    customer_keys="/customer/keys",
    customer_disable="/customer/disable",
    seat_limit="maxActivations",
    lookup_by_get=True,
)

API_GENERATIONS: Mapping[int, KeymintApi] = {1: GENERATION_1, 2: GENERATION_2}


def api_for(generation: object) -> KeymintApi:
    """The contract of API *generation* (1 or 2).

    Raises:
        ConfigurationError: another value.
    """
    api = API_GENERATIONS.get(generation) if isinstance(generation, int) else None
    if api is None or isinstance(generation, bool):
        raise ConfigurationError(f"api_generation must be 1 or 2, not {generation!r}.")
    return api


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
    (409, 1): CustomerExistsError,  # generation 2: POST /customer with a taken e-mail
    (409, 2): CustomerExistsError,  # generation 1: create-key's newCustomer e-mail is taken
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

# A token without the scope a call needs: "Insufficient permissions for this operation", with a
# status Keymint leaves open (401 or 403). Either way the app's setup is wrong, not the license:
# never a refusal that revokes a lease.
FORBIDDEN_HINTS: tuple[tuple[str, type[LicenseError]], ...] = (("permission", AccessTokenError),)

# Generation 2 answers create-key with an unknown customerId by 400/1 "Customer not found".
BAD_REQUEST_HINTS: tuple[tuple[str, type[LicenseError]], ...] = (
    ("customer not found", CustomerNotFoundError),
)

#: The text codes of a nested ``{"error": {"code": ...}}`` body that name an error of their own.
DETAIL_CODES: Mapping[str, type[LicenseError]] = {
    "CUSTOMER_EMAIL_EXISTS": CustomerExistsError,
}

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
    error: ErrorAnswer,
    *,
    messages: Mapping[type[LicenseError], str] = USER_MESSAGES,
) -> LicenseError:
    """Translate one Keymint error answer into the library's error (status first, code second,
    a nested text code or a recognised message last).

    *messages* holds the text of each error class: the app user's by default; vendor tools pass
    their own (every class the table and the hints can name must be in it). The server's
    message and code travel along as ``server_message`` and ``server_code``.

    An answer without Keymint's error shape (see :class:`~.answers.ErrorAnswer`) did not come
    from Keymint: a proxy's or firewall's 403 page, a web server's 404. That is
    :class:`InvalidResponseError` ("could not ask": grace applies), never a refusal.
    """
    status, code, server_message = error.status, error.code, error.message
    if not error.keymint_shaped:
        return InvalidResponseError(
            f"The answer from the licensing server's address (HTTP {status}) is not a licensing "
            "server's: a proxy, firewall or captive portal may be in the way."
        )
    error_class = ERROR_TABLE.get((status, code)) or ERROR_TABLE.get((status, None))
    if error_class is None:
        unexpected = InvalidResponseError(
            f"The licensing server answered with an unexpected HTTP {status}.",
            server_message=server_message,
        )
        unexpected.server_code = error.detail_code or code
        return unexpected
    lowered = (server_message or "").lower()
    hints = {404: NOT_FOUND_HINTS, 400: BAD_REQUEST_HINTS, 403: FORBIDDEN_HINTS}.get(status, ())
    if lowered and (status != 404 or code == 1):
        error_class = next((hinted for hint, hinted in hints if hint in lowered), error_class)
    if error.detail_code is not None:
        error_class = DETAIL_CODES.get(error.detail_code, error_class)
    failure = error_for(error_class, server_message, messages)
    failure.server_code = error.detail_code or code
    return failure


def read_error(
    response: Response, *, messages: Mapping[type[LicenseError], str] = USER_MESSAGES
) -> LicenseError:
    """The library's error for a failed *response* (see :func:`keymint_error`)."""
    return keymint_error(error_answer(response), messages=messages)


def error_answer(response: Response) -> ErrorAnswer:
    """A failed *response*, read (see :func:`~.answers.parse_error`)."""
    return parse_error(response.status, _json_or_none(response))


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


def answer(
    response: Response,
    *,
    messages: Mapping[type[LicenseError], str] = USER_MESSAGES,
    with_code: bool = True,
) -> dict[str, Any]:
    """The JSON object of a successful answer, for a parser of :mod:`.answers`; or the error a
    failed one means (see :func:`keymint_error`).

    *with_code* expects Keymint's ``"code": 0`` in it (every answer but ``/key/sign``'s).

    Raises:
        LicenseError: the subclass the error table names for the status and code.
        InvalidResponseError: a 2xx that is not a JSON object (reporting ``"code": 0``).
    """
    if not 200 <= response.status < 300:
        raise read_error(response, messages=messages)
    body = response.json_object()
    if with_code and body.get("code") != 0:
        raise InvalidResponseError("The licensing server's answer did not report success.")
    return body


def _json_or_none(response: Response) -> dict[str, Any] | None:
    try:
        return response.json_object()
    except InvalidResponseError:
        return None
