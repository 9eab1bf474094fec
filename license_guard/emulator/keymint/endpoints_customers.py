"""Generation 2's customer endpoints (``/customer…``), with the rules of
:class:`~license_guard.emulator.keymint.customers.CustomerBook`.

Answers carry ``action``, ``status`` (true) and ``code`` (0) [OAS, SDK]; ``POST /customer``
answers 201. Customers belong to the account: any token may manage them, a product-scoped one
included. ``/customer/keys`` lists keys of every product.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from license_guard.emulator.errors import Code
from license_guard.emulator.keymint.endpoints import Reply
from license_guard.emulator.keymint.params import integer, require, required_text, text
from license_guard.emulator.keymint.views import customer_view, key_view

if TYPE_CHECKING:
    from license_guard.emulator.keymint.endpoints_v2 import Call, Rules, V2Endpoint

__all__ = ["DEFAULT_PAGE_SIZE", "customer_endpoints"]

#: Customers per page of ``GET /customer`` without ``limit`` (the emulator's choice).
DEFAULT_PAGE_SIZE = 20


def _customer_id(call: Call) -> str:
    require(call.params, "customerId")
    return required_text(call.params, "customerId", 1, 256)


def _create(rules: Rules, call: Call) -> Reply:
    require(call.params, "name")
    name = required_text(call.params, "name", 1, 256)
    customer = rules.customers.create(name, text(call.params, "email", 3, 256))
    return Reply(
        {
            "action": "createCustomer",
            "status": True,
            "message": "Customer created",
            "data": customer_view(customer),
            "code": Code.OK,
        },
        status=201,
    )


def _list(rules: Rules, call: Call) -> Reply:
    page = integer(call.params, "page", 1, 1_000_000) or 1
    size = integer(call.params, "limit", 1, 100) or DEFAULT_PAGE_SIZE
    customers, total = rules.customers.page(page, size, text(call.params, "email", 1, 256))
    return Reply(
        {
            "action": "getCustomers",
            "status": True,
            "data": [customer_view(customer) for customer in customers],
            "meta": {
                "total": total,
                "page": page,
                "limit": size,
                "totalPages": math.ceil(total / size),
            },
            "code": Code.OK,
        }
    )


def _get(rules: Rules, call: Call) -> Reply:
    customer = rules.customers.get(_customer_id(call))
    return Reply(
        {
            "action": "getCustomerById",
            "status": True,
            "data": [customer_view(customer)],
            "code": Code.OK,
        }
    )


def _update(rules: Rules, call: Call) -> Reply:
    customer_id = _customer_id(call)
    name = text(call.params, "name", 1, 256)
    email = text(call.params, "email", 3, 256)
    customer = rules.customers.update(customer_id, name=name, email=email)
    return Reply(
        {
            "action": "updateCustomer",
            "status": True,
            "message": "Customer updated",
            "data": customer_view(customer),
            "code": Code.OK,
        }
    )


def _delete(rules: Rules, call: Call) -> Reply:
    rules.customers.delete(_customer_id(call))
    return Reply(
        {
            "action": "deleteCustomer",
            "status": True,
            "message": "Customer deleted",
            "code": Code.OK,
        }
    )


def _keys(rules: Rules, call: Call) -> Reply:
    keys = rules.customers.keys(_customer_id(call))
    return Reply([key_view(key, devices) for key, devices in keys])


def _toggle(rules: Rules, call: Call) -> Reply:
    customer = rules.customers.toggle(_customer_id(call))
    return Reply(
        {
            "action": "toggleCustomerStatus",
            "status": True,
            "message": "Customer enabled" if customer.active else "Customer disabled",
            "code": Code.OK,
            "customerName": customer.name,
            "active": customer.active,
        }
    )


def customer_endpoints() -> dict[tuple[str, str], V2Endpoint]:
    """(method, path) -> endpoint for the ``/customer`` family."""
    return {
        ("POST", "/customer"): _create,
        ("GET", "/customer"): _list,
        ("GET", "/customer/by-id"): _get,
        ("PUT", "/customer/by-id"): _update,
        ("DELETE", "/customer/by-id"): _delete,
        ("GET", "/customer/keys"): _keys,
        ("POST", "/customer/disable"): _toggle,
    }
