"""What an app may send the relay, checked before anything is forwarded.

Only the fields of :mod:`license_guard.backends.keymint.relay_api` are read; a body with any
other shape, a product not on the allow-list or a field out of bounds is refused here
(400, ``bad_request``) and never reaches Keymint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from license_guard._record import Record, field
from license_guard.backends.keymint.api import (
    DEVICE_TAG_LENGTH,
    HOST_ID_LENGTH,
    check_length,
    check_license_key,
)
from license_guard.backends.keymint.relay_api import CHECKIN, HEARTBEAT, NONCE_PATTERN
from license_guard.errors import ConfigurationError, InvalidLicenseKeyError

__all__ = ["BadRequestError", "RelayRequest", "parse_request"]

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_SEAT_NONCE = re.compile(r"[A-Za-z0-9_.:-]{1,256}")


class BadRequestError(ConfigurationError):
    """A request the relay will not forward (the message says which field)."""


class RelayRequest(Record, kw_only=True):
    """One checked request. The key is never shown in a repr."""

    path: str
    product_id: str
    license_key: str = field(repr=False)
    host_id: str
    nonce: str = field(repr=False)
    device_tag: str | None = None
    session_id: str | None = field(default=None, repr=False)
    timestamp: str | None = field(default=None, repr=False)
    signature: str | None = field(default=None, repr=False)


def parse_request(path: str, body: bytes, *, products: Collection[str]) -> RelayRequest:
    """The request *body* sent to *path*, checked.

    Raises:
        BadRequestError: not a JSON object, a missing or malformed field, or a product the
            relay does not serve.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequestError("The request body is not JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequestError("The request body is not a JSON object.")
    product_id = _text(data, "productId")
    if product_id not in products:
        raise BadRequestError("This relay does not serve that product.")
    license_key = _text(data, "licenseKey")
    try:
        check_license_key(license_key)
        check_length("hostId", _text(data, "hostId"), HOST_ID_LENGTH, BadRequestError)
    except InvalidLicenseKeyError as exc:
        raise BadRequestError(str(exc)) from exc
    nonce = _text(data, "nonce")
    if not NONCE_PATTERN.fullmatch(nonce):
        raise BadRequestError("The nonce must be 16 to 128 base64url characters.")
    device_tag = data.get("deviceTag")
    if device_tag is not None:
        check_length("deviceTag", device_tag, DEVICE_TAG_LENGTH, BadRequestError)
    seat: dict[str, str] = {}
    if path in (HEARTBEAT, CHECKIN):
        seat = {
            "session_id": _matching(data, "sessionId", _SESSION_ID),
            "timestamp": _matching(data, "timestamp", _SEAT_NONCE),
            "signature": _matching(data, "signature", _SIGNATURE),
        }
    return RelayRequest(
        path=path,
        product_id=product_id,
        license_key=license_key,
        host_id=data["hostId"],
        nonce=nonce,
        device_tag=device_tag,
        **seat,
    )


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"The request needs {name} (text).")
    return value


def _matching(data: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = _text(data, name)
    if not pattern.fullmatch(value):
        raise BadRequestError(f"The request's {name} is malformed.")
    return value
