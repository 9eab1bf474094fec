"""Keygen's answer codes as data: what each validation code and error code means to the guard.

Keygen answers a validation with HTTP 200 and puts the verdict in ``meta.valid`` and
``meta.code``; every other refusal is a JSON:API error object with a ``code``. Both are mapped
here, in tables, to one :class:`Step` or one error class of :mod:`license_guard.errors`:

* the server said no: a :class:`~license_guard.errors.LicenseDeniedError` subclass, no grace;
* the vendor's setup does not fit the policy (a scope it requires, an authentication strategy
  that refuses license keys): :class:`~license_guard.errors.ConfigurationError`;
* the device is not (or no longer) activated: activation creates the machine, a later check
  is a :class:`~license_guard.errors.DeviceDeactivatedError`.

``valid: true`` wins over the code: Keygen sends it with EXPIRED when the policy's expiration
strategy is ALLOW_ACCESS or MAINTAIN_ACCESS, and with TOO_MANY_MACHINES (and the like) within an
overage allowance. The vendor configured that access, so the guard grants it (the code is
logged), and the expiry it then does not enforce offline comes from the signed policy.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from license_guard._record import Record
from license_guard.errors import (
    AccessTokenError,
    ActivationLimitError,
    ConfigurationError,
    DeviceDeactivatedError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    RateLimitedError,
)

__all__ = [
    "ERROR_CODES",
    "STATUS_ERRORS",
    "VALIDATION_CODES",
    "CodeRule",
    "Step",
    "keygen_error",
]


class Step(enum.Enum):
    """What a validation code asks the backend to do next."""

    ACCEPT = "accept"
    """The license is valid for this device."""
    ACTIVATE = "activate"
    """This fingerprint has no machine: activation creates one; a later check is refused."""
    REPLACE_DEAD = "replace-dead"
    """The machine's heartbeat died: activation replaces it; a later check is refused."""
    PING = "ping"
    """The machine must send its first heartbeat; then the license is valid."""
    REFUSE = "refuse"
    """Raise the code's error."""


class CodeRule(Record):
    """One validation code: the next step, and the error (with its message) when refused."""

    step: Step
    error: type[LicenseError] = LicenseDeniedError
    message: str = ""


def _refuse(error: type[LicenseError], message: str) -> CodeRule:
    return CodeRule(Step.REFUSE, error, message)


def _scope(name: str) -> CodeRule:
    return _refuse(
        ConfigurationError,
        f"The license policy on the licensing server requires a {name} this app does not send; "
        "contact the vendor.",
    )


_NOT_ACTIVATED = (
    "This computer's activation was removed on the licensing server. Activate it again with "
    "your license key."
)
_DEAD = (
    "This computer stopped sending its licensing heartbeat, so the licensing server ended its "
    "activation. Activate it again with your license key."
)
_FULL = (
    "This license is already used on as many computers (or by as many users) as it allows. "
    "Release it elsewhere, or ask the vendor's support to free a seat."
)

#: Every ``meta.code`` of keygen-api.md section 3 (license_validation_service.rb).
VALIDATION_CODES: Mapping[str, CodeRule] = {
    "VALID": CodeRule(Step.ACCEPT),
    "NOT_FOUND": _refuse(
        InvalidLicenseKeyError, "This license key is not valid. Check it and try again."
    ),
    "BANNED": _refuse(
        LicenseBlockedError, "The owner of this license has been banned. Contact the vendor."
    ),
    "SUSPENDED": _refuse(
        LicenseBlockedError, "This license has been suspended. Contact the vendor for help."
    ),
    "EXPIRED": _refuse(
        LicenseExpiredError, "This license has expired. Renew it to keep using the app."
    ),
    "OVERDUE": _refuse(
        LicenseDeniedError, "This license is overdue for its check-in. Contact the vendor."
    ),
    "ENVIRONMENT_SCOPE_MISMATCH": _scope("different environment"),
    "ENVIRONMENT_SCOPE_REQUIRED": _scope("environment scope"),
    "PRODUCT_SCOPE_MISMATCH": _refuse(
        InvalidLicenseKeyError, "This license key is for another product. Check it and try again."
    ),
    "PRODUCT_SCOPE_REQUIRED": _scope("product scope"),
    "POLICY_SCOPE_MISMATCH": _scope("different policy"),
    "POLICY_SCOPE_REQUIRED": _scope("policy scope"),
    "USER_SCOPE_MISMATCH": _scope("different user"),
    "USER_SCOPE_REQUIRED": _scope("user scope"),
    "ENTITLEMENTS_SCOPE_EMPTY": _scope("list of entitlements"),
    "ENTITLEMENTS_MISSING": _refuse(
        LicenseDeniedError, "This license lacks an entitlement the app requires."
    ),
    "MACHINE_SCOPE_MISMATCH": _scope("different machine"),
    "MACHINE_SCOPE_REQUIRED": _scope("machine scope"),
    "FINGERPRINT_SCOPE_EMPTY": _scope("machine fingerprint"),
    "FINGERPRINT_SCOPE_REQUIRED": _scope("machine fingerprint"),
    "NO_MACHINE": CodeRule(Step.ACTIVATE, DeviceDeactivatedError, _NOT_ACTIVATED),
    "NO_MACHINES": CodeRule(Step.ACTIVATE, DeviceDeactivatedError, _NOT_ACTIVATED),
    "FINGERPRINT_SCOPE_MISMATCH": CodeRule(Step.ACTIVATE, DeviceDeactivatedError, _NOT_ACTIVATED),
    "HEARTBEAT_NOT_STARTED": CodeRule(Step.PING, DeviceDeactivatedError, _DEAD),
    "HEARTBEAT_DEAD": CodeRule(Step.REPLACE_DEAD, DeviceDeactivatedError, _DEAD),
    "COMPONENTS_SCOPE_EMPTY": _scope("list of hardware components"),
    "COMPONENTS_SCOPE_MISMATCH": _scope("different set of hardware components"),
    "COMPONENTS_SCOPE_REQUIRED": _scope("list of hardware components"),
    "CHECKSUM_SCOPE_MISMATCH": _scope("different release checksum"),
    "CHECKSUM_SCOPE_REQUIRED": _scope("release checksum"),
    "VERSION_SCOPE_MISMATCH": _scope("different release version"),
    "VERSION_SCOPE_REQUIRED": _scope("release version"),
    "TOO_MANY_USERS": _refuse(ActivationLimitError, _FULL),
    "TOO_MANY_MACHINES": _refuse(ActivationLimitError, _FULL),
    "TOO_MANY_CORES": _refuse(ActivationLimitError, _FULL),
    "TOO_MUCH_MEMORY": _refuse(ActivationLimitError, _FULL),
    "TOO_MUCH_DISK": _refuse(ActivationLimitError, _FULL),
    "TOO_MANY_PROCESSES": _refuse(ActivationLimitError, _FULL),
}

#: Error-object codes (keygen-api.md sections 1, 2, 4 and 5). None: the caller handles it as
#: an outcome, not an error (FINGERPRINT_TAKEN on activation means "already active").
ERROR_CODES: Mapping[str, type[LicenseError] | None] = {
    "LICENSE_INVALID": InvalidLicenseKeyError,
    "LICENSE_SUSPENDED": LicenseBlockedError,
    "LICENSE_BANNED": LicenseBlockedError,
    "USER_BANNED": LicenseBlockedError,
    "LICENSE_EXPIRED": LicenseExpiredError,
    "LICENSE_NOT_ALLOWED": ConfigurationError,
    "TOKEN_INVALID": AccessTokenError,
    "TOKEN_MISSING": AccessTokenError,
    "TOKEN_EXPIRED": AccessTokenError,
    "TOKEN_FORMAT_INVALID": AccessTokenError,
    "TOKEN_NOT_ALLOWED": AccessTokenError,
    "FINGERPRINT_TAKEN": None,
    "FINGERPRINT_CONFLICT": ConfigurationError,
    "FINGERPRINT_BLANK": ConfigurationError,
    "COMPONENTS_FINGERPRINT_CONFLICT": ConfigurationError,
    "COMPONENTS_FINGERPRINT_TAKEN": ConfigurationError,
    "MACHINE_LIMIT_EXCEEDED": ActivationLimitError,
    "MACHINE_CORE_LIMIT_EXCEEDED": ActivationLimitError,
    "MACHINE_MEMORY_LIMIT_EXCEEDED": ActivationLimitError,
    "MACHINE_DISK_LIMIT_EXCEEDED": ActivationLimitError,
    "MACHINE_PROCESS_LIMIT_EXCEEDED": ActivationLimitError,
    "ACTIVATIONS_LIMIT_EXCEEDED": ActivationLimitError,
    "DEACTIVATIONS_LIMIT_EXCEEDED": ActivationLimitError,
    "MACHINE_HEARTBEAT_DEAD": DeviceDeactivatedError,
    "PROCESS_HEARTBEAT_DEAD": DeviceDeactivatedError,
    "NOT_FOUND": DeviceDeactivatedError,
    "ENVIRONMENT_INVALID": ConfigurationError,
    "ENVIRONMENT_NOT_SUPPORTED": ConfigurationError,
    "INVALID_API_VERSION": ConfigurationError,
    "CHECKOUT_TTL_INVALID": ConfigurationError,
    "CHECKOUT_INCLUDE_INVALID": ConfigurationError,
    "CHECKOUT_ALGORITHM_INVALID": ConfigurationError,
    "TOO_MANY_REQUESTS": RateLimitedError,
}

#: The error of a status whose code is absent or unknown.
STATUS_ERRORS: Mapping[int, type[LicenseError]] = {
    400: ConfigurationError,
    401: ConfigurationError,
    402: ConfigurationError,
    403: LicenseDeniedError,
    404: ConfigurationError,
    409: LicenseUnreachableError,
    422: ConfigurationError,
}

USER_MESSAGES: Mapping[type[LicenseError], str] = {
    ConfigurationError: (
        "The licensing server rejected the app's request (check the account, product and policy "
        "settings); contact the vendor."
    ),
    AccessTokenError: "The licensing server rejected the app's credentials; contact the vendor.",
    InvalidLicenseKeyError: "This license key is not valid. Check it and try again.",
    LicenseDeniedError: "The licensing server refused this license.",
    LicenseBlockedError: "This license has been suspended. Contact the vendor for help.",
    LicenseExpiredError: "This license has expired. Renew it to keep using the app.",
    ActivationLimitError: _FULL,
    DeviceDeactivatedError: _NOT_ACTIVATED,
    LicenseUnreachableError: "The licensing server is busy with a conflicting change; try again.",
    RateLimitedError: "The licensing server is rate limiting this computer; try again later.",
}


def keygen_error(status: int, errors: Sequence[Mapping[str, Any]]) -> LicenseError:
    """The library's error for a Keygen error answer: its first error's code, else its status.

    ``LICENSE_NOT_ALLOWED`` gets its own message, since only the vendor can fix it.
    """
    first = errors[0] if errors else {}
    code, detail = first.get("code"), first.get("detail")
    server_message = detail if isinstance(detail, str) else None
    if isinstance(code, str) and code in ERROR_CODES:
        error_class = ERROR_CODES[code] or ConfigurationError
    elif status in STATUS_ERRORS:
        error_class = STATUS_ERRORS[status]
    else:
        return InvalidResponseError(
            f"The licensing server answered with an unexpected HTTP {status}.",
            server_message=server_message,
        )
    message = USER_MESSAGES[error_class]
    if code == "LICENSE_NOT_ALLOWED":
        message = (
            "The product's license policy does not accept license keys as credentials (its "
            "authentication strategy must be LICENSE or MIXED); contact the vendor."
        )
    elif code == "MACHINE_HEARTBEAT_DEAD":
        message = _DEAD
    return error_class(message, server_message=server_message)
