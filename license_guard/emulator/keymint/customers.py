"""Generation 2's customer endpoints: their rules, on the store the keys share.

Refusals follow keymint-api-v2.md: a taken e-mail is 409/1 "Customer with this email already
exists" [OAS]; an unknown customer is 404/1 "Customer not found" on delete [OAS] and 404/2 on the
other customer operations [ERR].
"""

from __future__ import annotations

import dataclasses
from http import HTTPStatus

from license_guard.clock import Clock
from license_guard.emulator import ids
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.records import Customer, Device, LicenseKey
from license_guard.emulator.keymint.store import Store, Transaction

__all__ = ["EMAIL_TAKEN", "CustomerBook"]

EMAIL_TAKEN = "Customer with this email already exists"
_NOT_FOUND = "Customer not found"


def _email_taken() -> KeymintError:
    return KeymintError(int(HTTPStatus.CONFLICT), Code.REQUEST, EMAIL_TAKEN)


class CustomerBook:
    """Create, list, read, change, delete and switch customers."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str, email: str | None) -> Customer:
        """A new active customer. 409/1 when another customer has *email* (any case)."""
        customer = Customer(ids.new_customer_id(), name, email, True, self._clock.now())
        with self._store.transaction() as tx:
            if email is not None and tx.email_taken(email):
                raise _email_taken()
            tx.insert_customer(customer)
        return customer

    def page(self, page: int, limit: int, email: str | None) -> tuple[list[Customer], int]:
        """Customers oldest first, *limit* per page (pages count from 1), and how many in all;
        only the one with *email* when given."""
        with self._store.transaction() as tx:
            if email is not None:
                found = tx.customer_by_email(email)
                matching = [] if found is None else [found]
            else:
                matching = tx.customers()
        start = (page - 1) * limit
        return matching[start : start + limit], len(matching)

    def get(self, customer_id: str) -> Customer:
        """The customer; 404/2 when unknown."""
        with self._store.transaction() as tx:
            return _customer(tx, customer_id)

    def update(self, customer_id: str, *, name: str | None, email: str | None) -> Customer:
        """Change the name and/or e-mail. 404/2 unknown; 409/1 e-mail of another customer."""
        with self._store.transaction() as tx:
            customer = _customer(tx, customer_id)
            if email is not None:
                owner = tx.customer_by_email(email)
                if owner is not None and owner.id != customer_id:
                    raise _email_taken()
            changed = dataclasses.replace(
                customer,
                name=customer.name if name is None else name,
                email=customer.email if email is None else email,
            )
            tx.update_customer(changed)
        return changed

    def delete(self, customer_id: str) -> None:
        """Delete the customer; their keys stay, with no customer. 404/1 when unknown."""
        with self._store.transaction() as tx:
            if tx.customer(customer_id) is None:
                raise KeymintError(int(HTTPStatus.NOT_FOUND), Code.REQUEST, _NOT_FOUND)
            tx.delete_customer(customer_id)

    def keys(self, customer_id: str) -> list[tuple[LicenseKey, list[Device]]]:
        """The customer's keys with their devices, oldest first. 404/2 when unknown."""
        with self._store.transaction() as tx:
            _customer(tx, customer_id)
            return [(key, tx.devices(key.id)) for key in tx.customer_keys(customer_id)]

    def toggle(self, customer_id: str) -> Customer:
        """Switch the customer off when on, on when off; returns it as it is now. 404/2."""
        with self._store.transaction() as tx:
            customer = _customer(tx, customer_id)
            tx.set_customer_active(customer_id, not customer.active)
        return dataclasses.replace(customer, active=not customer.active)


def _customer(tx: Transaction, customer_id: str) -> Customer:
    customer = tx.customer(customer_id)
    if customer is None:
        raise KeymintError(int(HTTPStatus.NOT_FOUND), Code.LICENSE, _NOT_FOUND)
    return customer
