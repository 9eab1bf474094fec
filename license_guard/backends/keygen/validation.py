"""validate-key: one signed answer read into the next step, or the error it stands for.

The request is scoped to this device's fingerprint and the product and carries a random nonce;
the answer must echo the nonce (inside the signed body, so a genuine answer replayed within the
``Date`` tolerance still fails) and name this very license key. ``meta.valid`` and
``meta.code`` are read together through :data:`~.codes.VALIDATION_CODES`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from license_guard._log import get_logger
from license_guard._record import Record
from license_guard.backends.keygen.codes import VALIDATION_CODES, CodeRule, Step, keygen_error
from license_guard.backends.keygen.formats.dataset import parse_timestamp
from license_guard.crypto import constant_time_equal
from license_guard.errors import (
    InvalidResponseError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
)

if TYPE_CHECKING:
    from license_guard.backends.keygen.client import KeygenClient
    from license_guard.clock import Deadline

__all__ = ["KeyValidation", "refusal", "validate_key"]

log = get_logger("license_guard.keygen")


class KeyValidation(Record):
    """A verified validation: its code and detail, the step it asks for, the license's id and
    (unparsed) expiry, and the signed ``Date`` of the answer."""

    code: str
    detail: str | None
    rule: CodeRule
    license_id: str | None
    expiry: object
    date: datetime


def validate_key(
    api: KeygenClient, license_key: str, *, host_id: str, product: str, deadline: Deadline
) -> KeyValidation:
    """``POST licenses/actions/validate-key`` for *license_key* on this device.

    Raises:
        InvalidResponseError: the answer is not genuine, not for this request (nonce) or key,
            or contradicts itself.
        LicenseUnreachableError, ConfigurationError: as for any call; a non-200 answer is
            mapped by :func:`~.codes.keygen_error`.
    """
    nonce = secrets.randbelow(1 << 31) + 1
    scope = {"fingerprint": host_id, "product": product}
    answer = api.call(
        "POST",
        "/licenses/actions/validate-key",
        body={"meta": {"key": license_key, "nonce": nonce, "scope": scope}},
        deadline=deadline,
    )
    if answer.status != 200:
        raise keygen_error(answer.status, answer.errors)
    meta = (answer.document or {}).get("meta")
    valid = meta.get("valid") if isinstance(meta, Mapping) else None
    code = meta.get("code") if isinstance(meta, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(valid, bool) or not isinstance(code, str):
        raise InvalidResponseError("The licensing server's validation had no verdict.")
    if meta.get("nonce") != nonce:
        raise InvalidResponseError("The licensing server's validation answered another request.")
    license_id, expiry = _license_of((answer.document or {}).get("data"), license_key)
    rule = VALIDATION_CODES.get(code, CodeRule(Step.REFUSE))
    if valid:
        if code != "VALID":
            log.info("license valid with code %s (the policy allows it)", code)
        rule = CodeRule(Step.ACCEPT)
    elif rule.step is Step.ACCEPT:
        raise InvalidResponseError("The licensing server's validation contradicts itself.")
    if rule.step is not Step.REFUSE and license_id is None:
        raise InvalidResponseError("The licensing server's validation named no license.")
    detail = meta.get("detail")
    detail = detail if isinstance(detail, str) else None
    if rule.step is Step.REFUSE and not rule.message:
        log.warning("unknown validation code %s (%s)", code, detail)
        message = f"The licensing server refused this license ({code})."
        rule = CodeRule(Step.REFUSE, LicenseDeniedError, message)
    return KeyValidation(code, detail, rule, license_id, expiry, answer.date)


def refusal(validation: KeyValidation) -> LicenseError:
    """The error a refusing validation stands for (with the expiry date for EXPIRED)."""
    rule = validation.rule
    if rule.error is LicenseExpiredError:
        try:
            expired_at = parse_timestamp(validation.expiry)
        except ValueError:
            return LicenseExpiredError(rule.message, server_message=validation.detail)
        return LicenseExpiredError(
            f"This license expired on {expired_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expired_at,
            server_message=validation.detail,
        )
    return rule.error(rule.message, server_message=validation.detail)


def _license_of(data: object, license_key: str) -> tuple[str | None, object]:
    """The license id and expiry of a validation's ``data``, checked to be this key's."""
    if data is None:
        return None, None
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    license_id = data.get("id") if isinstance(data, Mapping) else None
    key = attributes.get("key") if isinstance(attributes, Mapping) else None
    if not isinstance(license_id, str) or not isinstance(key, str):
        raise InvalidResponseError("The licensing server's validation named no license.")
    if not constant_time_equal(key, license_key):
        raise InvalidResponseError("The licensing server's validation is about another key.")
    return license_id, attributes.get("expiry") if isinstance(attributes, Mapping) else None
