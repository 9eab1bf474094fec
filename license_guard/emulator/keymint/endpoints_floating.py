"""Generation 2's floating-seat endpoints: ``/key/checkout``, ``/key/heartbeat``, ``/key/checkin``.

The rules are :mod:`license_guard.emulator.keymint.floating`'s; ``apiKey`` is accepted and ignored,
and so are a checkout's ``timestamp`` and ``signature`` (their meaning is undocumented).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from license_guard.emulator.dates import iso_ms_z
from license_guard.emulator.errors import Code
from license_guard.emulator.keymint.endpoints import Reply
from license_guard.emulator.keymint.params import invalid, require, required_text, text
from license_guard.emulator.keymint.views import license_expiry

if TYPE_CHECKING:
    from license_guard.emulator.keymint.calls import Call, Rules, V2Endpoint

__all__ = ["floating_endpoints"]


def _key_ref(call: Call) -> tuple[str, str]:
    product_id = required_text(call.params, "productId", 1, 256)
    license_key = required_text(call.params, "licenseKey", 1, 256)
    return product_id, license_key


def _signed(call: Call) -> tuple[str, str, str, str, str]:
    require(call.params, "productId", "licenseKey", "sessionId", "timestamp", "signature")
    product_id, license_key = _key_ref(call)
    session_id = required_text(call.params, "sessionId", 1, 256)
    nonce = call.params["timestamp"]
    if isinstance(nonce, int) and not isinstance(nonce, bool):
        nonce = str(nonce)
    if not isinstance(nonce, str) or not 1 <= len(nonce) <= 256:
        raise invalid("Invalid timestamp: expected the nextNonce string of the last answer")
    signature = required_text(call.params, "signature", 1, 256)
    call.caller.authorize(product_id)
    return product_id, license_key, session_id, nonce, signature


def _checkout(rules: Rules, call: Call) -> Reply:
    require(call.params, "productId", "licenseKey", "hostId")
    product_id, license_key = _key_ref(call)
    host_id = required_text(call.params, "hostId", 1, 256)
    device_tag = text(call.params, "deviceTag", 1, 256)
    user = text(call.params, "userIdentifier", 1, 256)
    call.caller.authorize(product_id)
    taken = rules.seats.checkout(
        product_id, license_key, host_id=host_id, device_tag=device_tag, user_identifier=user
    )
    session, key = taken.session, taken.key
    customer = taken.customer
    return Reply(
        {
            "code": Code.OK,
            "message": "Session checked out",
            "sessionId": session.id,
            "sessionSecret": session.secret,
            "nextNonce": session.nonce,
            "expiresAt": iso_ms_z(session.expires_at),
            "heartbeatInterval": key.floating.heartbeat_interval if key.floating else None,
            "metadata": key.metadata,
            "currentSessions": taken.current_sessions,
            "maxSessions": key.floating.max_sessions if key.floating else None,
            "licenseeName": None if customer is None else customer.name,
            "licenseeEmail": None if customer is None else customer.email,
            "expirationDate": license_expiry(key),
        }
    )


def _heartbeat(rules: Rules, call: Call) -> Reply:
    session = rules.seats.heartbeat(*_signed(call))
    return Reply(
        {
            "code": Code.OK,
            "message": "Heartbeat received",
            "expiresAt": iso_ms_z(session.expires_at),
            "nextNonce": session.nonce,
        }
    )


def _checkin(rules: Rules, call: Call) -> Reply:
    rules.seats.checkin(*_signed(call))
    return Reply({"code": Code.OK, "message": "Session checked in"})


def floating_endpoints() -> dict[tuple[str, str], V2Endpoint]:
    """(method, path) -> endpoint for the three floating-seat calls."""
    return {
        ("POST", "/key/checkout"): _checkout,
        ("POST", "/key/heartbeat"): _heartbeat,
        ("POST", "/key/checkin"): _checkin,
    }
