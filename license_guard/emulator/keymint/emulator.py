"""The :class:`Emulator`: a Keymint-compatible licensing server held in one object."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any

from license_guard.clock import Clock, SystemClock, utc
from license_guard.emulator.control import Control
from license_guard.emulator.faults import Faults
from license_guard.emulator.keymint.app import EmulatorApp
from license_guard.emulator.keymint.customers import CustomerBook
from license_guard.emulator.keymint.endpoints_v2 import Rules
from license_guard.emulator.keymint.floating import FloatingSeats
from license_guard.emulator.keymint.idempotency import IdempotentAnswers
from license_guard.emulator.keymint.manage import KeyManagement
from license_guard.emulator.keymint.records import AccessToken, Customer, Product, Seed, Session
from license_guard.emulator.keymint.service import Gen1LimitField, KeymintService, Licensee
from license_guard.emulator.keymint.store import Store
from license_guard.emulator.requestlog import RequestLog
from license_guard.emulator.serving import ServedEmulator

__all__ = ["Emulator"]

_SEED_SETTING = "seed"
_ADMIN_TOKEN_SETTING = "admin_token"  # noqa: S105  a setting's name, not a secret


class Emulator(ServedEmulator):
    """A Keymint-compatible licensing server (API generations 1 and 2 at once, on one state) for
    tests, demos and development.

    State lives in SQLite: in memory when *db_path* is None, else in that file, which a later
    ``Emulator(db_path)`` reopens as it was left. *clock* (default: the system clock) decides
    expiry, timestamps, floating leases and every response's ``Date`` header. *admin_secret*
    switches on the ``/_emulator/`` control endpoint that lets another process inject faults.

    Two switches answer the way a reading of the documents the emulator cannot settle would:
    *gen1_limit_field* spells generation 1's get-key seat limit ``"usage_limit"`` (the default,
    as documented), ``"max_activations"`` (SDK 0.1.0's types) or ``"both"``; *expired_as_invalid*
    makes activation (both generations), floating checkout and signing of an expired key answer
    404/1 "Invalid license key", as the SDK 2.7.0 docstring reads, instead of 403/2.

    Serve it in process with :attr:`wsgi_app` or :meth:`transport`, or over a socket with
    :class:`~license_guard.emulator.EmulatorServer`. Methods that mirror an endpoint raise
    :class:`~license_guard.emulator.KeymintError` with the status, code and message that endpoint
    would answer; wrong arguments raise :class:`ValueError`. Every method is thread-safe.
    Raises :class:`~license_guard.emulator.EmulatorError` when *db_path* is not an emulator's.
    """

    def __init__(
        self,
        db_path: str | PathLike[str] | None = None,
        clock: Clock | None = None,
        *,
        admin_secret: str | None = None,
        gen1_limit_field: Gen1LimitField = "usage_limit",
        expired_as_invalid: bool = False,
    ) -> None:
        if gen1_limit_field not in ("usage_limit", "max_activations", "both"):
            raise ValueError("gen1_limit_field must be usage_limit, max_activations or both")
        self.clock: Clock = SystemClock() if clock is None else clock
        self._store = Store(db_path)
        self._service = KeymintService(
            self._store,
            self.clock,
            expired_as_invalid=expired_as_invalid,
            gen1_limit_field=gen1_limit_field,
        )
        self._manage = KeyManagement(self._store, self.clock, self._service)
        self._seats = FloatingSeats(self._store, self.clock, self._service)
        rules = Rules(
            self._service, self._manage, self._seats, CustomerBook(self._store, self.clock)
        )
        self._log = RequestLog()
        #: Switch faults on and off here; see :class:`~license_guard.emulator.Faults`.
        self.faults = Faults(self.clock)
        control = None if admin_secret is None else Control(self.faults, admin_secret)
        #: The WSGI application serving the API (and the control endpoint, if any).
        self.wsgi_app = EmulatorApp(
            service=self._service,
            rules=rules,
            idempotent=IdempotentAnswers(self._store, self.clock),
            faults=self.faults,
            clock=self.clock,
            log=self._log,
            control=control,
        )

    @property
    def db_path(self) -> Path | None:
        """The database file, or None when the state lives in memory."""
        return self._store.path

    # Seeding.

    def seed(self, *, uses_per_key: int | None = 5, product_name: str = "Demo App") -> Seed:
        """Create a product, a token scoped to it, a customer and a key, and remember them.

        The key allows *uses_per_key* activations (None: unlimited) and expires one month from
        now. The seed is stored in the database: :meth:`stored_seed` returns it after a restart.
        """
        product_id = self.create_product(product_name)
        access_token = self.create_access_token(product_id)
        email = f"demo-{secrets.token_hex(4)}@example.com"  # unique: seeding twice is fine
        customer_id = self.create_customer("Demo Customer", email=email)
        license_key = self.create_key(
            product_id, uses_per_key=uses_per_key, customer_id=customer_id
        )
        seed = Seed(product_id, access_token, license_key, customer_id)
        self._service.set_setting(_SEED_SETTING, json.dumps(asdict(seed)))
        return seed

    def stored_seed(self) -> Seed | None:
        """The latest :meth:`seed` of this database, or None if it was never seeded."""
        stored = self._service.setting(_SEED_SETTING)
        return None if stored is None else Seed(**json.loads(stored))

    # Products, access tokens and customers: the Keymint API has no endpoints for them.

    def create_product(self, name: str, *, active: bool = True) -> str:
        """Create a product; returns its ``prod_…`` id. Inactive products answer as unknown."""
        return self._service.create_product(name, active=active)

    def set_product_active(self, product_id: str, active: bool) -> None:
        """Switch a product on or off. Raises KeymintError (404) for an unknown id."""
        self._service.set_product_active(product_id, active)

    def products(self) -> list[Product]:
        """Every product, active or not, oldest first."""
        return self._service.products()

    def create_access_token(self, product_id: str | None = None, *, admin: bool = False) -> str:
        """Create an ``at_…`` token for *product_id*, or a global one when None; an *admin* one
        (global) may also call ``/key/sign``.

        Raises KeymintError (404) when *product_id* names no product, ValueError for an admin
        token with a *product_id*.
        """
        return self._service.create_access_token(product_id, admin=admin)

    def admin_token(self) -> str:
        """This database's admin token: made on first call, the same one after a restart."""
        stored = self._service.setting(_ADMIN_TOKEN_SETTING)
        if stored is None:
            stored = self.create_access_token(admin=True)
            self._service.set_setting(_ADMIN_TOKEN_SETTING, stored)
        return stored

    @property
    def public_key_pem(self) -> str:
        """The SPKI PEM of the key that signs offline licenses (``/key/sign``), for
        ``keymint.verify_offline_license``. Made on first use, kept in the database."""
        return self._manage.signing_key().public_pem

    def access_tokens(self) -> list[AccessToken]:
        """Every access token, oldest first (their reprs show only the last 4 characters)."""
        return self._service.access_tokens()

    def create_customer(self, name: str, *, email: str | None = None, active: bool = True) -> str:
        """Create a customer; returns its ``cust_…`` id. Raises KeymintError (409) for a taken
        e-mail."""
        return self._service.create_customer(name, email=email, active=active)

    def set_customer_active(self, customer_id: str, active: bool) -> None:
        """Switch a customer on or off. Raises KeymintError (404, code 2) for an unknown id."""
        self._service.set_customer_active(customer_id, active)

    def customers(self) -> list[Customer]:
        """Every customer, active or not, oldest first."""
        return self._service.customers()

    # License keys: the same rules as the endpoints.

    def create_key(
        self,
        product_id: str,
        *,
        uses_per_key: int | None = None,
        expires_at: datetime | None = None,
        never_expires: bool = False,
        customer_id: str | None = None,
    ) -> str:
        """Create a key as ``/create-key`` does; returns it.

        *uses_per_key* None means unlimited activations. The key expires at *expires_at* (a naive
        value is UTC), by default one calendar month from now, or never with *never_expires*.
        Raises KeymintError: 404/1 unknown or inactive product, 404/2 unknown customer;
        ValueError for a limit below 1 or both *expires_at* and *never_expires*.
        """
        if uses_per_key is not None and uses_per_key < 1:
            raise ValueError(f"uses_per_key must be at least 1 (or None), not {uses_per_key}")
        if never_expires and expires_at is not None:
            raise ValueError("give expires_at or never_expires, not both")
        expiry = None
        if not never_expires:
            expiry = self._service.default_expiry() if expires_at is None else utc(expires_at)
        return self._service.create_key(
            product_id, uses_per_key=uses_per_key, expires_at=expiry, customer_id=customer_id
        )[0]

    def key_info(self, product_id: str, license_key: str) -> dict[str, Any]:
        """The ``data`` object ``/get-key`` answers with (``license`` and ``customer``)."""
        return self._service.key_info(product_id, license_key)

    def activate(
        self, product_id: str, license_key: str, host_id: str, *, device_tag: str | None = None
    ) -> Licensee:
        """Activate *host_id* as ``/activate-key`` does (from 127.0.0.1); returns the licensee."""
        return self._service.activate(
            product_id, license_key, host_id=host_id, device_tag=device_tag
        )

    def deactivate(self, product_id: str, license_key: str, host_id: str | None = None) -> str:
        """Free *host_id*'s slot, or every slot when None; returns the API's message."""
        return self._service.deactivate(product_id, license_key, host_id)

    def block_key(self, product_id: str, license_key: str) -> None:
        """Block the key: activations are refused (403/2) until :meth:`unblock_key`."""
        self._service.set_blocked(product_id, license_key, True)

    def unblock_key(self, product_id: str, license_key: str) -> None:
        """Unblock the key."""
        self._service.set_blocked(product_id, license_key, False)

    def floating_sessions(self, product_id: str, license_key: str) -> list[Session]:
        """The live floating sessions of a key, oldest first (lapsed ones are forgotten)."""
        return self._seats.sessions(product_id, license_key)

    # Serving and observing.

    def close(self) -> None:
        """Clear every fault (ending hung requests) and close the database."""
        self.faults.clear()
        self._store.close()

    def __repr__(self) -> str:
        where = "memory" if self.db_path is None else str(self.db_path)
        return f"Emulator({where}, clock={self.clock!r})"
