"""The words of the vendor's tools: every error the Keymint error table can name, for the
vendor's staff rather than the app's user."""

from __future__ import annotations

from collections.abc import Mapping

from license_guard.errors import (
    AccessTokenError,
    ConfigurationError,
    CustomerExistsError,
    CustomerNotFoundError,
    DeviceDeactivatedError,
    InvalidLicenseKeyError,
    LicenseDeniedError,
    LicenseError,
    LicenseUnreachableError,
    ProductNotFoundError,
)

__all__ = ["ADMIN_MESSAGES"]

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
