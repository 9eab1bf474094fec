"""The rules of the Keymint API (generation 1), apart from HTTP.

:class:`KeymintService` decides every answer: which key may be activated, what get-key shows,
which refusal applies. The HTTP layer (:mod:`license_guard.emulator.keymint.endpoints`) only
checks the shape of a request and turns results and :class:`KeymintError` into JSON; the
Python API of :class:`~license_guard.emulator.Emulator` calls the same methods, so both answer
alike.

Every check and the write that depends on it run in one store transaction: two hosts racing for
the last slot of a key cannot both get it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Literal

from license_guard.clock import Clock
from license_guard.emulator import ids
from license_guard.emulator.dates import iso_z, one_month_after
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.messages import Message
from license_guard.emulator.keymint.records import (
    AccessToken,
    Customer,
    Device,
    Floating,
    LicenseKey,
    Product,
)
from license_guard.emulator.keymint.store import Store, Transaction

__all__ = [
    "Gen1LimitField",
    "KeyDetails",
    "KeyTerms",
    "KeymintService",
    "Licensee",
    "Message",
    "NewCustomer",
    "customer_summary",
]

#: How generation-1 get-key spells the seat limit: the documented ``usage_limit``, the SDK 0.1.0
#: types' ``max_activations`` instead, or both.
Gen1LimitField = Literal["usage_limit", "max_activations", "both"]


@dataclass(frozen=True)
class NewCustomer:
    """The ``newCustomer`` object of create-key."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class KeyTerms:
    """What generation 2 adds to a new key: floating seats and the fields it only stores."""

    floating: Floating | None = None
    metadata: dict[str, Any] | None = None
    version_id: str | None = None
    allowed_hosts: tuple[str, ...] | None = None
    #: Makes the key's text (generation 2's ``format``); the default is ``XXXXX-XXXXX-…``.
    make_key: Callable[[], str] = field(default=ids.new_license_key, compare=False)


@dataclass(frozen=True)
class KeyDetails:
    """A key with its devices (in activation order) and its customer, read together."""

    key: LicenseKey
    devices: list[Device]
    customer: Customer | None


@dataclass(frozen=True)
class Licensee:
    """Who a key is licensed to, as activate-key reports it (both None when it has no customer)."""

    name: str | None
    email: str | None


def customer_summary(customer: Customer | None) -> dict[str, Any] | None:
    """A key's customer as get-key shows it in both generations: ``{id, name, email, active}``."""
    if customer is None:
        return None
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "active": customer.active,
    }


def _refuse(status: HTTPStatus, code: Code, message: str) -> KeymintError:
    return KeymintError(int(status), code, message)


def _customer_not_found(customer_id: str) -> KeymintError:
    return _refuse(HTTPStatus.NOT_FOUND, Code.LICENSE, f"Customer with ID {customer_id} not found")


class KeymintService:
    """Products, tokens, customers and keys, and what the API does with them.

    Times come from *clock*: expiry is decided with ``clock.now()``, so a test moves a
    :class:`~license_guard.clock.ManualClock` forward instead of waiting.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        expired_as_invalid: bool = False,
        gen1_limit_field: Gen1LimitField = "usage_limit",
    ) -> None:
        self._store = store
        self._clock = clock
        self.expired_as_invalid = expired_as_invalid
        self._gen1_limit_field = gen1_limit_field

    def default_expiry(self) -> datetime:
        """When a key created now expires if nobody says: one calendar month from now."""
        return one_month_after(self._clock.now())

    # What the Keymint API has no endpoint for: products, access tokens, customers.

    def create_product(self, name: str, *, active: bool = True) -> str:
        """Create a product and return its ``prod_…`` id."""
        product = Product(ids.new_product_id(), name, active, self._clock.now())
        with self._store.transaction() as tx:
            tx.insert_product(product)
        return product.id

    def set_product_active(self, product_id: str, active: bool) -> None:
        """Switch a product on or off. Raises :class:`KeymintError` (404) for an unknown id."""
        with self._store.transaction() as tx:
            if not tx.set_product_active(product_id, active):
                raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, f"Product {product_id} not found")

    def products(self) -> list[Product]:
        """Every product, active or not, oldest first."""
        with self._store.transaction() as tx:
            return tx.products()

    def create_access_token(self, product_id: str | None = None, *, admin: bool = False) -> str:
        """Create an ``at_…`` token for one product, or for every product when None; an *admin*
        token is global and may also sign offline licenses.

        Raises :class:`KeymintError` (404) when *product_id* names no product, and
        :class:`ValueError` for an admin token scoped to a product.
        """
        if admin and product_id is not None:
            raise ValueError("an admin token is global: give no product_id")
        token = AccessToken(ids.new_access_token(), product_id, self._clock.now(), admin=admin)
        with self._store.transaction() as tx:
            if product_id is not None and tx.product(product_id) is None:
                raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, f"Product {product_id} not found")
            tx.insert_token(token)
        return token.token

    def access_tokens(self) -> list[AccessToken]:
        """Every access token, oldest first."""
        with self._store.transaction() as tx:
            return tx.tokens()

    def authenticate(self, token: str) -> AccessToken | None:
        """The stored access token equal to *token*, or None."""
        with self._store.transaction() as tx:
            return tx.token(token)

    def create_customer(self, name: str, *, email: str | None = None, active: bool = True) -> str:
        """Create a customer and return its ``cust_…`` id.

        Raises :class:`KeymintError` (409, code 2) when another customer has *email*.
        """
        with self._store.transaction() as tx:
            return self._add_customer(tx, NewCustomer(name, email), active=active).id

    def add_customer_in(self, tx: Transaction, new: NewCustomer) -> str:
        """Create an active customer inside an open transaction; returns its id (409/2 for a
        taken e-mail)."""
        return self._add_customer(tx, new, active=True).id

    def _add_customer(self, tx: Transaction, new: NewCustomer, *, active: bool) -> Customer:
        if new.email is not None and tx.email_taken(new.email):
            raise _refuse(
                HTTPStatus.CONFLICT,
                Code.LICENSE,
                f"CONFLICT: Customer email {new.email} already exists.",
            )
        customer = Customer(ids.new_customer_id(), new.name, new.email, active, self._clock.now())
        tx.insert_customer(customer)
        return customer

    def set_customer_active(self, customer_id: str, active: bool) -> None:
        """Switch a customer on or off. Raises :class:`KeymintError` (404, code 2) if unknown."""
        with self._store.transaction() as tx:
            if not tx.set_customer_active(customer_id, active):
                raise _customer_not_found(customer_id)

    def customers(self) -> list[Customer]:
        """Every customer, active or not, oldest first."""
        with self._store.transaction() as tx:
            return tx.customers()

    # The endpoints.

    def create_key(
        self,
        product_id: str,
        *,
        uses_per_key: int | None,
        expires_at: datetime | None,
        customer_id: str | None = None,
        new_customer: NewCustomer | None = None,
        terms: KeyTerms | None = None,
        count: int = 1,
    ) -> list[str]:
        """Create *count* keys alike and return them; ``None`` limits and expiry mean unlimited
        and never.

        Raises :class:`KeymintError`: 404/1 for an unknown or inactive product, 404/2 for an
        unknown customer, 409/2 when the new customer's e-mail is taken, 409/1 when *terms*
        makes no unused key text; nothing is stored then. Raises :class:`ValueError` when both
        *customer_id* and *new_customer* are given.
        """
        if customer_id is not None and new_customer is not None:
            raise ValueError("give customer_id or new_customer, not both")
        terms = terms or KeyTerms()
        with self._store.transaction() as tx:
            self._active_product(tx, product_id)
            if new_customer is not None:
                customer_id = self._add_customer(tx, new_customer, active=True).id
            elif customer_id is not None and tx.customer(customer_id) is None:
                raise _customer_not_found(customer_id)
            keys = []
            for _ in range(count):
                key = LicenseKey(
                    id=ids.new_license_id(),
                    key=self._unused_key_text(tx, terms.make_key),
                    product_id=product_id,
                    customer_id=customer_id,
                    usage_limit=uses_per_key,
                    expires_at=expires_at,
                    blocked=False,
                    created_at=self._clock.now(),
                    floating=terms.floating,
                    metadata=terms.metadata,
                    version_id=terms.version_id,
                    allowed_hosts=terms.allowed_hosts,
                )
                tx.insert_key(key)
                keys.append(key.key)
        return keys

    @staticmethod
    def _unused_key_text(tx: Transaction, make_key: Callable[[], str]) -> str:
        # A narrow custom format can run out of texts; a few draws tell that from bad luck.
        for _ in range(20):
            text = make_key()
            if tx.execute("SELECT 1 FROM license_keys WHERE key = ?", (text,)).fetchone() is None:
                return text
        raise _refuse(HTTPStatus.CONFLICT, Code.REQUEST, "No unused key left in this key format")

    def activate(
        self,
        product_id: str,
        license_key: str,
        *,
        host_id: str,
        device_tag: str | None = None,
        ip_address: str = "127.0.0.1",
    ) -> Licensee:
        """Give *host_id* a slot of the key (or refresh the slot it already holds).

        Refusals, in the order they are checked (:class:`KeymintError`): 404/1 product, 404/1
        key, then 403/2 blocked, expired, customer inactive; a host that already holds a slot is
        then accepted again without taking another; otherwise 403/2 when every slot is taken.
        """
        with self._store.transaction() as tx:
            key = self.key_in(tx, product_id, license_key)
            if key.blocked:
                raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.BLOCKED)
            self.check_not_expired(key)
            customer = None if key.customer_id is None else tx.customer(key.customer_id)
            if customer is not None and not customer.active:
                raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.CUSTOMER_INACTIVE)
            devices = {device.host_id: device for device in tx.devices(key.id)}
            existing = devices.get(host_id)
            full = key.usage_limit is not None and len(devices) >= key.usage_limit
            if existing is None and full:
                raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.LIMIT_REACHED)
            if existing is None:
                device = Device(host_id, device_tag, ip_address, self._clock.now())
            else:  # the same slot: keep its activation time, and its tag unless a new one came
                device = Device(
                    host_id, device_tag or existing.device_tag, ip_address, existing.activated_at
                )
            tx.save_device(key.id, device)
        if customer is None:
            return Licensee(None, None)
        return Licensee(customer.name, customer.email)

    def check_not_expired(self, key: LicenseKey) -> None:
        """Raise the refusal for an expired *key*: 403/2 "License expired", or 404/1 "Invalid
        license key" when the emulator answers expired keys as unknown ones."""
        if key.expires_at is not None and self._clock.now() >= key.expires_at:
            if self.expired_as_invalid:
                raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, Message.INVALID_KEY)
            raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.EXPIRED)

    def key_details(self, product_id: str, license_key: str) -> KeyDetails:
        """The key, its devices and its customer. Works on blocked and expired keys.

        Raises :class:`KeymintError` (404/1) for an unknown or inactive product or unknown key.
        """
        with self._store.transaction() as tx:
            key = self.key_in(tx, product_id, license_key)
            customer = None if key.customer_id is None else tx.customer(key.customer_id)
            return KeyDetails(key, tx.devices(key.id), customer)

    def key_info(self, product_id: str, license_key: str) -> dict[str, Any]:
        """The ``data`` object of get-key, ready for JSON. Works on blocked and expired keys.

        Raises :class:`KeymintError` (404/1) for an unknown or inactive product or unknown key.
        """
        with self._store.transaction() as tx:
            key = self.key_in(tx, product_id, license_key)
            devices = tx.devices(key.id)
            customer = None if key.customer_id is None else tx.customer(key.customer_id)
        license_data = {
            "id": key.id,
            "key": key.key,
            "product_id": key.product_id,
            "usage_limit": key.usage_limit,
            "max_activations": key.usage_limit,
            "activations": len(devices),
            "devices": [
                {
                    "host_id": device.host_id,
                    "device_tag": device.device_tag,
                    "ip_address": device.ip_address,
                    "activation_time": iso_z(device.activated_at),
                }
                for device in devices
            ],
            "activated": bool(devices),
            "expiration_date": None if key.expires_at is None else iso_z(key.expires_at),
        }
        if self._gen1_limit_field == "usage_limit":
            del license_data["max_activations"]
        elif self._gen1_limit_field == "max_activations":
            del license_data["usage_limit"]
        return {"license": license_data, "customer": customer_summary(customer)}

    def deactivate(self, product_id: str, license_key: str, host_id: str | None = None) -> str:
        """Free the slot of *host_id*, or every slot when None; returns the success message.

        Raises :class:`KeymintError`: 404/1 product or key, 403/2 "License not activated" when
        the key holds no slot at all, 404/1 "Device not found" when *host_id* holds none.
        """
        with self._store.transaction() as tx:
            key = self.key_in(tx, product_id, license_key)
            if not tx.devices(key.id):
                raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.NOT_ACTIVATED)
            if host_id is None:
                tx.delete_devices(key.id)
                return Message.ALL_DEVICES_DEACTIVATED
            if tx.delete_devices(key.id, host_id) == 0:
                raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, Message.DEVICE_NOT_FOUND)
            return Message.DEVICE_DEACTIVATED

    def set_blocked(self, product_id: str, license_key: str, blocked: bool) -> str:
        """Block or unblock the key (again is fine); returns the success message.

        Raises :class:`KeymintError` (404/1) for an unknown or inactive product or unknown key.
        """
        with self._store.transaction() as tx:
            key = self.key_in(tx, product_id, license_key)
            tx.set_key_blocked(key.id, blocked)
        return Message.KEY_BLOCKED if blocked else Message.KEY_UNBLOCKED

    # Settings (the seed the CLI reuses across restarts).

    def setting(self, name: str) -> str | None:
        """A stored emulator setting, or None."""
        with self._store.transaction() as tx:
            return tx.setting(name)

    def set_setting(self, name: str, value: str) -> None:
        """Store or replace an emulator setting."""
        with self._store.transaction() as tx:
            tx.set_setting(name, value)

    # Lookups every endpoint starts with.

    @staticmethod
    def _active_product(tx: Transaction, product_id: str) -> Product:
        product = tx.product(product_id)
        if product is None or not product.active:
            raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, Message.PRODUCT_NOT_FOUND)
        return product

    def key_in(self, tx: Transaction, product_id: str, license_key: str) -> LicenseKey:
        """The key inside an open transaction; 404/1 for an unknown or inactive product or key."""
        self._active_product(tx, product_id)
        key = tx.key(product_id, license_key)
        if key is None:
            raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, Message.INVALID_KEY)
        return key
