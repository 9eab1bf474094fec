"""The six generation-1 endpoints: request shape in, JSON out.

Each endpoint checks its body in this order and stops at the first failure:

1. required fields present (absent or null): 400/1 "Missing required params";
2. every field's type and length (productId 22..256, licenseKey 23..256, hostId and deviceTag
   1..64, usesPerKey a numeric string >= 1, expiryDate ISO 8601, customerId xor newCustomer): 400/1;
3. the access token may act on ``productId`` (a token scoped to another product): 401/1;
4. the lookups and rules of
   :class:`~license_guard.emulator.keymint.service.KeymintService` (404, 403, 409).

Routing, the method, the token's existence and JSON parsing come before, in the WSGI app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from types import MappingProxyType
from typing import Any

from license_guard.emulator.dates import parse_iso8601
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.records import AccessToken
from license_guard.emulator.keymint.service import KeymintService, Message, NewCustomer

__all__ = ["ENDPOINTS", "Caller", "Endpoint", "Reply"]

#: The largest ``usesPerKey`` accepted: SQLite stores 64-bit integers, and no test needs more.
_MAX_USES = 1_000_000_000


@dataclass(frozen=True)
class Caller:
    """Who sent the request: their (already known) access token and network address."""

    token: AccessToken
    ip_address: str

    def authorize(self, product_id: str) -> None:
        """Raise :class:`KeymintError` (401/1) unless the token may act on *product_id*."""
        if not self.token.allows(product_id):
            raise KeymintError(int(HTTPStatus.UNAUTHORIZED), Code.REQUEST, Message.INVALID_TOKEN)


@dataclass(frozen=True)
class Reply:
    """A successful answer: HTTP 200 and a JSON object that starts with ``"code": 0``."""

    body: Mapping[str, Any]


Endpoint = Callable[[KeymintService, Caller, Mapping[str, Any]], Reply]


def _invalid(message: str) -> KeymintError:
    return KeymintError(int(HTTPStatus.BAD_REQUEST), Code.REQUEST, message)


def _require(body: Mapping[str, Any], *names: str) -> None:
    if any(body.get(name) is None for name in names):
        raise _invalid(Message.MISSING_PARAMS)


def _text(body: Mapping[str, Any], name: str, shortest: int, longest: int) -> str | None:
    """The string field *name* (None when absent or null), or 400 when its shape is wrong."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not shortest <= len(value) <= longest:
        raise _invalid(f"Invalid {name}: expected a string of {shortest} to {longest} characters")
    return value


def _required_text(body: Mapping[str, Any], name: str, shortest: int, longest: int) -> str:
    value = _text(body, name, shortest, longest)
    if value is None:  # _require ran first; this only narrows the type
        raise _invalid(Message.MISSING_PARAMS)
    return value


def _product_id(body: Mapping[str, Any]) -> str:
    return _required_text(body, "productId", 22, 256)


def _license_key(body: Mapping[str, Any]) -> str:
    return _required_text(body, "licenseKey", 23, 256)


def _uses_per_key(body: Mapping[str, Any]) -> int | None:
    value = body.get("usesPerKey")
    if value is None:
        return None
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        raise _invalid('Invalid usesPerKey: expected a numeric string such as "5"')
    uses = int(value)
    if not 1 <= uses <= _MAX_USES:
        raise _invalid(f"Invalid usesPerKey: expected a number from 1 to {_MAX_USES}")
    return uses


def _expiry_date(body: Mapping[str, Any]) -> datetime | None:
    value = body.get("expiryDate")
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_iso8601(value)
    except ValueError:
        raise _invalid(
            "Invalid expiryDate: expected ISO 8601 such as 2024-12-31T23:59:59Z"
        ) from None


def _new_customer(body: Mapping[str, Any]) -> NewCustomer | None:
    value = body.get("newCustomer")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid("Invalid newCustomer: expected an object with a name")
    name = _text(value, "name", 1, 256)
    if name is None:
        raise _invalid(Message.MISSING_PARAMS)
    return NewCustomer(name, _text(value, "email", 3, 256))


def _create_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    _require(body, "productId")
    product_id = _product_id(body)
    uses = _uses_per_key(body)
    expires_at = _expiry_date(body)
    customer_id = _text(body, "customerId", 1, 256)
    new_customer = _new_customer(body)
    if customer_id is not None and new_customer is not None:
        raise _invalid("Invalid params: give customerId or newCustomer, not both")
    caller.authorize(product_id)
    key = service.create_key(
        product_id,
        uses_per_key=uses,
        expires_at=expires_at or service.default_expiry(),
        customer_id=customer_id,
        new_customer=new_customer,
    )
    return Reply({"code": Code.OK, "key": key})


def _activate_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    _require(body, "productId", "licenseKey", "hostId")
    product_id, license_key = _product_id(body), _license_key(body)
    host_id = _required_text(body, "hostId", 1, 64)
    device_tag = _text(body, "deviceTag", 1, 64)
    caller.authorize(product_id)
    licensee = service.activate(
        product_id,
        license_key,
        host_id=host_id,
        device_tag=device_tag,
        ip_address=caller.ip_address,
    )
    return Reply(
        {
            "code": Code.OK,
            "message": Message.LICENSE_VALID,
            "licensee_name": licensee.name,
            "licensee_email": licensee.email,
        }
    )


def _get_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    _require(body, "productId", "licenseKey")
    product_id, license_key = _product_id(body), _license_key(body)
    caller.authorize(product_id)
    return Reply({"code": Code.OK, "data": service.key_info(product_id, license_key)})


def _deactivate_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    _require(body, "productId", "licenseKey")
    product_id, license_key = _product_id(body), _license_key(body)
    host_id = _text(body, "hostId", 1, 64)
    caller.authorize(product_id)
    message = service.deactivate(product_id, license_key, host_id)
    return Reply({"code": Code.OK, "message": message})


def _blocking(blocked: bool) -> Endpoint:
    def endpoint(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
        _require(body, "productId", "licenseKey")
        product_id, license_key = _product_id(body), _license_key(body)
        caller.authorize(product_id)
        message = service.set_blocked(product_id, license_key, blocked)
        return Reply({"code": Code.OK, "message": message})

    return endpoint


#: Path -> endpoint. Every endpoint is ``POST`` with a JSON object body and a Bearer token.
ENDPOINTS: Mapping[str, Endpoint] = MappingProxyType(
    {
        "/create-key": _create_key,
        "/activate-key": _activate_key,
        "/get-key": _get_key,
        "/deactivate-key": _deactivate_key,
        "/block-key": _blocking(True),
        "/unblock-key": _blocking(False),
    }
)
