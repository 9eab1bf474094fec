"""Generation 2's key endpoints (``/key…``): camelCase in, camelCase out.

Each endpoint checks, in this order: required fields (400/1 "Missing required params"), field
shapes (400/1 "Invalid <field>: …"), the token's product scope (401/1), then the rules of the
service, :class:`~license_guard.emulator.keymint.manage.KeyManagement` and
:class:`~license_guard.emulator.keymint.floating.FloatingSeats`. Routing, the token, admin scope,
the body and ``Idempotency-Key`` come before, in the WSGI app.
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.calls import Call, Rules, V2Endpoint
from license_guard.emulator.keymint.customers import EMAIL_TAKEN
from license_guard.emulator.keymint.endpoints import Reply
from license_guard.emulator.keymint.endpoints_floating import floating_endpoints
from license_guard.emulator.keymint.manage import KeyChanges, floating_terms
from license_guard.emulator.keymint.params import (
    MAX_LIMIT,
    expiry_date,
    integer,
    invalid,
    limit,
    new_customer,
    object_field,
    require,
    required_text,
    string_list,
    text,
)
from license_guard.emulator.keymint.service import KeyTerms, Message
from license_guard.emulator.keymint.views import key_data, license_expiry

__all__ = ["Call", "Rules", "V2Endpoint", "key_endpoints"]

_DAY = 24 * 3600


@contextmanager
def _v2_customer_errors() -> Iterator[None]:
    """Generation 2's answers where generation 1's rules name a customer problem [OAS]."""
    try:
        yield
    except KeymintError as exc:
        if (exc.status, exc.code) == (404, Code.LICENSE):
            raise invalid("Customer not found") from None
        if (exc.status, exc.code) == (409, Code.LICENSE):
            raise KeymintError(int(HTTPStatus.CONFLICT), Code.REQUEST, EMAIL_TAKEN) from None
        raise


def _key_ref(call: Call) -> tuple[str, str]:
    require(call.params, "productId", "licenseKey")
    product_id = required_text(call.params, "productId", 1, 256)
    license_key = required_text(call.params, "licenseKey", 1, 256)
    call.caller.authorize(product_id)
    return product_id, license_key


def _customer_choice(body: Mapping[str, Any]) -> tuple[str | None, Any]:
    customer_id = text(body, "customerId", 1, 256)
    customer = new_customer(body)
    if customer_id is not None and customer is not None:
        raise invalid("Cannot specify both customerId and newCustomer")
    return customer_id, customer


def _license_type(body: Mapping[str, Any]) -> str | None:
    kind = body.get("licenseType")
    if kind is not None and kind not in ("node-locked", "floating"):
        raise invalid('Invalid licenseType: expected "node-locked" or "floating"')
    return kind


def _seat_fields(body: Mapping[str, Any]) -> dict[str, int | None]:
    return {
        "max_sessions": integer(body, "maxConcurrentSessions", 1, MAX_LIMIT),
        "heartbeat_interval": integer(body, "heartbeatInterval", 60, _DAY),
        "lease_duration": integer(body, "sessionLeaseDuration", 300, 30 * _DAY),
    }


def _key_maker(body: Mapping[str, Any]) -> Callable[[], str] | None:
    """The ``format`` object as a key generator (None: the default ``XXXXX-XXXXX-…``)."""
    spec = object_field(body, "format")
    if spec is None:
        return None
    sections = integer(spec, "sections", 1, 16) or 4
    length = integer(spec, "sectionLength", 1, 32) or 5
    separator = spec.get("separator", "-")
    charset = spec.get("charset") or string.ascii_uppercase + string.digits
    prefix, suffix = spec.get("prefix") or "", spec.get("suffix") or ""
    case = spec.get("case") or "upper"
    texts = (separator, charset, prefix, suffix)
    if not all(isinstance(t, str) for t in texts) or len(set(charset)) < 2:
        raise invalid("Invalid format: separator, charset, prefix and suffix are strings")
    if case not in ("upper", "lower", "mixed"):
        raise invalid('Invalid format: case is "upper", "lower" or "mixed"')

    def make() -> str:
        groups = ("".join(secrets.choice(charset) for _ in range(length)) for _ in range(sections))
        body_text = separator.join(groups)
        if case == "upper":
            body_text = body_text.upper()
        elif case == "lower":
            body_text = body_text.lower()
        return f"{prefix}{body_text}{suffix}"

    return make


def _create(rules: Rules, call: Call) -> Reply:
    body = call.params
    require(body, "productId")
    product_id = required_text(body, "productId", 1, 256)
    uses = limit(body, "maxActivations", numbers=True)
    expires_at = expiry_date(body)
    customer_id, customer = _customer_choice(body)
    count = integer(body, "amountKeys", 1, 100) or 1
    floating = floating_terms(_license_type(body), current=None, **_seat_fields(body))
    terms = KeyTerms(
        floating=floating,
        metadata=object_field(body, "metadata"),
        version_id=text(body, "versionId", 1, 256),
        allowed_hosts=string_list(body, "allowedHosts"),
    )
    make_key = _key_maker(body)
    if make_key is not None:
        terms = dataclasses.replace(terms, make_key=make_key)
    call.caller.authorize(product_id)
    with _v2_customer_errors():
        keys = rules.service.create_key(
            product_id,
            uses_per_key=uses,
            expires_at=expires_at or rules.service.default_expiry(),
            customer_id=customer_id,
            new_customer=customer,
            terms=terms,
            count=count,
        )
    answer: dict[str, Any] = {"code": Code.OK, "key": keys[0]}
    if body.get("amountKeys") is not None:
        answer["keys"] = keys
    return Reply(answer)


def _get(rules: Rules, call: Call) -> Reply:
    header_key = call.headers.get("x-license-key")
    query_key = call.params.get("licenseKey")
    if header_key is not None and query_key is not None and header_key != query_key:
        raise invalid("Invalid params: x-license-key and licenseKey name different keys")
    params = {**call.params, "licenseKey": header_key or query_key}
    product_id, license_key = _key_ref(Call(call.caller, params))
    details = rules.service.key_details(product_id, license_key)
    return Reply({"code": Code.OK, "data": key_data(details)})


def _update(rules: Rules, call: Call) -> Reply:
    body = call.params
    require(body, "productId", "licenseKey")
    customer_id, customer = _customer_choice(body)
    changes = KeyChanges(
        usage_limit=limit(body, "maxActivations", numbers=True),
        expires_at=expiry_date(body),
        customer_id=customer_id,
        new_customer=customer,
        metadata=object_field(body, "metadata"),
        version_id=text(body, "versionId", 1, 256),
        allowed_hosts=string_list(body, "allowedHosts"),
        license_type=_license_type(body),
        **_seat_fields(body),
    )
    product_id, license_key = _key_ref(call)
    with _v2_customer_errors():
        count = rules.manage.update_key(product_id, license_key, changes)
    return Reply({"code": Code.OK, "message": "License key updated", "affectedCount": count})


def _delete(rules: Rules, call: Call) -> Reply:
    product_id, license_key = _key_ref(call)
    rules.manage.delete_key(product_id, license_key)
    return Reply({"code": Code.OK, "message": "License key deleted"})


def _activate(rules: Rules, call: Call) -> Reply:
    body = call.params
    require(body, "productId", "licenseKey")
    host_id = text(body, "hostId", 1, 256)
    device_tag = text(body, "deviceTag", 1, 256)
    licensee = object_field(body, "licensee")  # accepted and checked, not stored
    if licensee is not None:
        for name in ("name", "email"):
            text(licensee, name, 1, 256)
    product_id, license_key = _key_ref(call)
    # Without hostId the server makes up a device each time, taking a new seat [SDK].
    person = rules.service.activate(
        product_id,
        license_key,
        host_id=host_id or "dev_" + secrets.token_hex(8),
        device_tag=device_tag,
        ip_address=call.caller.ip_address,
    )
    key = rules.service.key_details(product_id, license_key).key
    return Reply(
        {
            "code": Code.OK,
            "message": Message.LICENSE_VALID,
            "licenseeName": person.name,
            "licenseeEmail": person.email,
            "expirationDate": license_expiry(key),
            "metadata": key.metadata,
            "versionId": key.version_id,
            "version": None,
            "allowedHosts": None if key.allowed_hosts is None else list(key.allowed_hosts),
        }
    )


def _deactivate(rules: Rules, call: Call) -> Reply:
    host_id = text(call.params, "hostId", 1, 256)
    product_id, license_key = _key_ref(call)
    before = len(rules.service.key_details(product_id, license_key).devices)
    message = rules.service.deactivate(product_id, license_key, host_id)
    removed = 1 if host_id is not None else before
    return Reply({"code": Code.OK, "message": message, "devicesRemoved": removed})


def _blocking(blocked: bool) -> V2Endpoint:
    def endpoint(rules: Rules, call: Call) -> Reply:
        product_id, license_key = _key_ref(call)
        message = rules.service.set_blocked(product_id, license_key, blocked)
        return Reply({"code": Code.OK, "message": message})

    return endpoint


def _sign(rules: Rules, call: Call) -> Reply:
    require(call.params, "productId", "licenseKey", "hostId")
    host_id = required_text(call.params, "hostId", 1, 256)
    ttl = integer(call.params, "ttl", 1, 3650 * _DAY)
    product_id, license_key = _key_ref(call)
    return Reply({"file": rules.manage.sign(product_id, license_key, host_id, ttl)})


def key_endpoints() -> dict[tuple[str, str], V2Endpoint]:
    """(method, path) -> endpoint for the ``/key`` family, floating seats included."""
    return {
        ("POST", "/key"): _create,
        ("GET", "/key"): _get,
        ("PATCH", "/key"): _update,
        ("DELETE", "/key"): _delete,
        ("POST", "/key/activate"): _activate,
        ("POST", "/key/deactivate"): _deactivate,
        ("POST", "/key/block"): _blocking(True),
        ("POST", "/key/unblock"): _blocking(False),
        ("POST", "/key/sign"): _sign,
        **floating_endpoints(),
    }
