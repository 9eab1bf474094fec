"""Keygen's codes are mapped as data: every documented code has its place in a table."""

from __future__ import annotations

import re

import pytest

from license_guard import (
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
)
from license_guard.backends.keygen import ERROR_CODES, VALIDATION_CODES
from license_guard.backends.keygen.codes import Step, keygen_error
from tests.keygen.vectors import VECTORS

API_DOC = VECTORS.parent / "keygen-api.md"


def _documented_validation_codes() -> set[str]:
    """The codes of the table under "Validation codes" in keygen-api.md, with the ``X / _Y``
    shorthand expanded (``POLICY_SCOPE_MISMATCH / _REQUIRED``)."""
    text = API_DOC.read_text(encoding="utf-8")
    table = text.split("### Validation codes", 1)[1].split("**Consequence", 1)[0]
    codes: set[str] = set()
    for row in table.splitlines():
        cells = row.split("|")
        if len(cells) < 4 or not cells[1].strip().isdigit():
            continue
        previous = ""
        for found in re.findall(r"_?[A-Z][A-Z_]+[A-Z]", cells[2]):
            code = previous.rsplit("_", 1)[0] + found if found.startswith("_") else found
            codes.add(code)
            previous = code
    return codes


# The error-object codes keygen-api.md names in sections 1, 2, 4 and 5.
DOCUMENTED_ERROR_CODES = {
    "LICENSE_INVALID", "TOKEN_INVALID", "TOKEN_MISSING", "TOKEN_EXPIRED", "TOKEN_FORMAT_INVALID",
    "LICENSE_BANNED", "LICENSE_SUSPENDED", "LICENSE_EXPIRED", "LICENSE_NOT_ALLOWED",
    "TOKEN_NOT_ALLOWED", "USER_BANNED", "ACTIVATIONS_LIMIT_EXCEEDED",
    "DEACTIVATIONS_LIMIT_EXCEEDED", "FINGERPRINT_TAKEN", "MACHINE_LIMIT_EXCEEDED",
    "MACHINE_CORE_LIMIT_EXCEEDED", "MACHINE_MEMORY_LIMIT_EXCEEDED", "MACHINE_DISK_LIMIT_EXCEEDED",
    "MACHINE_PROCESS_LIMIT_EXCEEDED", "FINGERPRINT_CONFLICT", "COMPONENTS_FINGERPRINT_CONFLICT",
    "COMPONENTS_FINGERPRINT_TAKEN", "MACHINE_HEARTBEAT_DEAD", "PROCESS_HEARTBEAT_DEAD",
    "NOT_FOUND", "ENVIRONMENT_INVALID", "INVALID_API_VERSION", "CHECKOUT_TTL_INVALID",
    "CHECKOUT_INCLUDE_INVALID", "CHECKOUT_ALGORITHM_INVALID", "TOO_MANY_REQUESTS",
}  # fmt: skip


def test_every_documented_validation_code_is_mapped() -> None:
    documented = _documented_validation_codes()
    assert len(documented) >= 38  # the parse found the table
    assert not documented - set(VALIDATION_CODES)


def test_every_documented_error_code_is_mapped() -> None:
    assert not DOCUMENTED_ERROR_CODES - set(ERROR_CODES)


@pytest.mark.parametrize(
    ("code", "step", "error"),
    [
        ("VALID", Step.ACCEPT, None),
        ("NOT_FOUND", Step.REFUSE, InvalidLicenseKeyError),
        ("SUSPENDED", Step.REFUSE, LicenseBlockedError),
        ("BANNED", Step.REFUSE, LicenseBlockedError),
        ("EXPIRED", Step.REFUSE, LicenseExpiredError),
        ("PRODUCT_SCOPE_MISMATCH", Step.REFUSE, InvalidLicenseKeyError),
        ("POLICY_SCOPE_REQUIRED", Step.REFUSE, ConfigurationError),
        ("FINGERPRINT_SCOPE_EMPTY", Step.REFUSE, ConfigurationError),
        ("TOO_MANY_MACHINES", Step.REFUSE, ActivationLimitError),
        ("NO_MACHINE", Step.ACTIVATE, DeviceDeactivatedError),
        ("NO_MACHINES", Step.ACTIVATE, DeviceDeactivatedError),
        ("FINGERPRINT_SCOPE_MISMATCH", Step.ACTIVATE, DeviceDeactivatedError),
        ("HEARTBEAT_NOT_STARTED", Step.PING, DeviceDeactivatedError),
        ("HEARTBEAT_DEAD", Step.REPLACE_DEAD, DeviceDeactivatedError),
    ],
)
def test_validation_codes_decide_the_step_and_the_error(
    code: str, step: Step, error: type[LicenseError] | None
) -> None:
    rule = VALIDATION_CODES[code]
    assert rule.step is step
    if error is not None:
        assert rule.error is error
        assert rule.message.endswith(".")  # a sentence for the user


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "LICENSE_INVALID", InvalidLicenseKeyError),
        (403, "LICENSE_SUSPENDED", LicenseBlockedError),
        (403, "LICENSE_EXPIRED", LicenseExpiredError),
        (403, "LICENSE_NOT_ALLOWED", ConfigurationError),
        (401, "TOKEN_INVALID", AccessTokenError),
        (422, "MACHINE_LIMIT_EXCEEDED", ActivationLimitError),
        (422, "MACHINE_HEARTBEAT_DEAD", DeviceDeactivatedError),
        (404, "NOT_FOUND", DeviceDeactivatedError),
        (400, "CHECKOUT_TTL_INVALID", ConfigurationError),
        (422, "FINGERPRINT_TAKEN", ConfigurationError),  # handled before, never an error here
        (403, None, LicenseDeniedError),
        (409, None, LicenseUnreachableError),
        (422, "SOMETHING_NEW", ConfigurationError),
        (418, None, InvalidResponseError),
    ],
)
def test_error_objects_map_by_code_then_status(
    status: int, code: str | None, error: type[LicenseError]
) -> None:
    errors = [{"title": "t", "detail": "the server's words", "code": code}] if code else []
    mapped = keygen_error(status, errors)
    assert type(mapped) is error
    assert mapped.server_message == ("the server's words" if code else None)
    assert "the server's words" not in str(mapped)  # the user sees our sentence
