"""Issue license keys from a shop's "order paid" webhook, on the vendor's server.

Run it against the local emulator (``license-guard emulator serve`` and an admin token from
``license-guard emulator token add``)::

    LICENSE_GUARD_PRODUCT_ID=prod_... LICENSE_GUARD_ADMIN_TOKEN=at_... \
    LICENSE_GUARD_BASE_URL=http://127.0.0.1:8765 python examples/purchase_webhook.py
"""

from __future__ import annotations

import os

from license_guard import CustomerExistsError
from license_guard.admin import KeymintAdmin, NewCustomer


def on_purchase(admin: KeymintAdmin, order: dict[str, str], customer_ids: dict[str, str]) -> str:
    """Issue the key of a paid order and return it (to e-mail to the buyer).

    *customer_ids* is the shop's own table, e-mail -> Keymint customer id: the API has no
    "find customer by e-mail", so the shop remembers the id it got the first time.

    Raises:
        CustomerExistsError: Keymint knows the e-mail but the shop's table does not (a customer
            made in the dashboard): add the id to the table, then replay the order.
        LicenseUnreachableError: Keymint could not be asked; if the message says the server may
            have carried out the request, check the dashboard before replaying the order.
    """
    email = order["email"]
    seats = int(order["seats"])
    if email in customer_ids:  # a returning customer: one Keymint customer, several keys
        return admin.create_key(customer_id=customer_ids[email], uses_per_key=seats)
    key = admin.create_key(uses_per_key=seats, new_customer=NewCustomer(order["name"], email))
    customer = admin.get_key(key).customer
    if customer is not None:
        customer_ids[email] = customer.id  # remember it for the next order
    return key


def main() -> None:
    admin = KeymintAdmin(
        access_token=os.environ["LICENSE_GUARD_ADMIN_TOKEN"],  # the vendor's: server side only
        base_url=os.environ.get("LICENSE_GUARD_BASE_URL", "https://api.keymint.dev"),
        product_id=os.environ["LICENSE_GUARD_PRODUCT_ID"],
    )
    customer_ids: dict[str, str] = {}
    order = {"name": "Jane Doe", "email": "jane@example.com", "seats": "2"}
    with admin:
        print("first order: ", on_purchase(admin, order, customer_ids), customer_ids)
        print("second order:", on_purchase(admin, {**order, "seats": "1"}, customer_ids))
        try:
            on_purchase(admin, order, {})  # a shop table that lost Jane
        except CustomerExistsError as exc:
            print(f"{type(exc).__name__}: {exc} [{exc.server_message}]")


if __name__ == "__main__":
    main()
