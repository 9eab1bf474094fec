"""The texts the Keymint emulator answers with (re-exported by
:mod:`license_guard.emulator.keymint.service` and :mod:`license_guard.emulator`)."""

from __future__ import annotations

__all__ = ["Message"]


class Message:
    """The texts the emulator answers with; those the Keymint documents give are theirs verbatim."""

    LICENSE_VALID = "License valid"
    DEVICE_DEACTIVATED = "Device deactivated"
    ALL_DEVICES_DEACTIVATED = "All devices deactivated"
    KEY_BLOCKED = "Key blocked"
    KEY_UNBLOCKED = "Key unblocked"
    MISSING_PARAMS = "Missing required params"
    INVALID_TOKEN = "Invalid access token"  # noqa: S105  an error text, not a password
    INVALID_KEY = "Invalid license key"
    PRODUCT_NOT_FOUND = "Product not found or inactive"
    DEVICE_NOT_FOUND = "Device not found"
    LIMIT_REACHED = "Activation limit reached"
    EXPIRED = "License expired"
    NOT_ACTIVATED = "License not activated"
    BLOCKED = "License key blocked"
    CUSTOMER_INACTIVE = "Customer inactive"
    SERVER_ERROR = "Server error"
    RATE_LIMITED = "Rate limit exceeded"
