"""Vendor-side tools for Keymint: the admin client and its values (never ship these in the app).

::

    from license_guard.admin import KeymintAdmin, NewCustomer

    with KeymintAdmin(access_token=admin_token, product_id="prod_...") as admin:
        key = admin.create_key(uses_per_key=3, new_customer=NewCustomer("Jane", "jane@x.io"))
        details = admin.get_key(key)          # KeyDetails: license, devices, customer
        admin.block_key(key)                  # a refund
        admin.deactivate_device(key, host_id) # a customer changed computers

Importing this package does not import httpx; the first request does. See ``docs/admin.md``.
"""

from __future__ import annotations

from license_guard.admin.client import ADMIN_MESSAGES, FloatingSeats, KeymintAdmin
from license_guard.backends.keymint.answers import (
    Customer,
    Device,
    KeyDetails,
    License,
    NewCustomer,
)

__all__ = [
    "ADMIN_MESSAGES",
    "Customer",
    "Device",
    "FloatingSeats",
    "KeyDetails",
    "KeymintAdmin",
    "License",
    "NewCustomer",
]
