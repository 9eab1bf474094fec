"""The six generation-1 endpoints: request shape in, JSON out.

Each endpoint checks its body in this order and stops at the first failure:

1. required fields present (absent or null): 400/1 "Missing required params";
2. every field's type and length (productId 22..256, licenseKey 23..256, hostId and deviceTag
   1..64, usesPerKey or maxActivations (not both) a numeric string >= 1, expiryDate ISO 8601,
   customerId xor newCustomer): 400/1;
3. the access token may act on ``productId`` (a token scoped to another product): 401/1;
4. the lookups and rules of
   :class:`~license_guard.emulator.keymint.service.KeymintService` (404, 403, 409).

Routing, the method, the token's existence and JSON parsing come before, in the WSGI app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType
from typing import Any

from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.params import (
    expiry_date,
    invalid,
    limit,
    new_customer,
    require,
    required_text,
    text,
)
from license_guard.emulator.keymint.records import AccessToken
from license_guard.emulator.keymint.service import KeymintService, Message

__all__ = ["ENDPOINTS", "Caller", "Endpoint", "Reply"]


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
    """A successful answer: a JSON object that starts with ``"code": 0`` (generation 2's
    ``/customer/keys`` answers a list), HTTP 200 unless said otherwise."""

    body: Mapping[str, Any] | list[Any]
    status: int = 200


Endpoint = Callable[[KeymintService, Caller, Mapping[str, Any]], Reply]


def _product_id(body: Mapping[str, Any]) -> str:
    return required_text(body, "productId", 22, 256)


def _license_key(body: Mapping[str, Any]) -> str:
    return required_text(body, "licenseKey", 23, 256)


def _seat_limit(body: Mapping[str, Any]) -> int | None:
    """``usesPerKey`` (the seeds' name) or ``maxActivations`` (SDK 0.1.0's), not both."""
    if body.get("usesPerKey") is not None and body.get("maxActivations") is not None:
        raise invalid("Invalid params: give usesPerKey or maxActivations, not both")
    if body.get("maxActivations") is not None:
        return limit(body, "maxActivations")
    return limit(body, "usesPerKey")


def _create_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    require(body, "productId")
    product_id = _product_id(body)
    uses = _seat_limit(body)
    expires_at = expiry_date(body)
    customer_id = text(body, "customerId", 1, 256)
    customer = new_customer(body)
    if customer_id is not None and customer is not None:
        raise invalid("Invalid params: give customerId or newCustomer, not both")
    caller.authorize(product_id)
    (key,) = service.create_key(
        product_id,
        uses_per_key=uses,
        expires_at=expires_at or service.default_expiry(),
        customer_id=customer_id,
        new_customer=customer,
    )
    return Reply({"code": Code.OK, "key": key})


def _activate_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    require(body, "productId", "licenseKey", "hostId")
    product_id, license_key = _product_id(body), _license_key(body)
    host_id = required_text(body, "hostId", 1, 64)
    device_tag = text(body, "deviceTag", 1, 64)
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
    require(body, "productId", "licenseKey")
    product_id, license_key = _product_id(body), _license_key(body)
    caller.authorize(product_id)
    return Reply({"code": Code.OK, "data": service.key_info(product_id, license_key)})


def _deactivate_key(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
    require(body, "productId", "licenseKey")
    product_id, license_key = _product_id(body), _license_key(body)
    host_id = text(body, "hostId", 1, 64)
    caller.authorize(product_id)
    message = service.deactivate(product_id, license_key, host_id)
    return Reply({"code": Code.OK, "message": message})


def _blocking(blocked: bool) -> Endpoint:
    def endpoint(service: KeymintService, caller: Caller, body: Mapping[str, Any]) -> Reply:
        require(body, "productId", "licenseKey")
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
