"""The emulator's state in SQLite: in memory, or in a file that survives a restart.

Every read and write happens inside :meth:`Store.transaction`, which holds a thread lock (one
connection serves every request thread) and opens ``BEGIN IMMEDIATE``, so SQLite takes the write
lock at the start. That is what makes "read the activation count, then add a device" atomic across
threads here and across other processes that open the same file: a second writer waits (up to
``busy_timeout``) instead of reading a count that is about to change.

The file holds the emulator's own fake access tokens in clear: a server must be able to compare
them. Nothing in it is a real secret.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any

from license_guard.emulator.errors import EmulatorError
from license_guard.emulator.keymint.records import (
    AccessToken,
    Customer,
    Device,
    Floating,
    LicenseKey,
    Product,
)
from license_guard.emulator.keymint.schema import migrate

__all__ = ["Store", "Transaction"]

# Another process holding the write lock keeps it for milliseconds; wait rather than fail.
_BUSY_TIMEOUT_SECONDS = 10.0


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Transaction:
    """Typed queries inside one open transaction. Obtain it from :meth:`Store.transaction`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run one statement: for the modules that own a table of their own (floating sessions,
        idempotent answers) and keep its queries beside its rules."""
        return self._db.execute(sql, parameters)

    # products

    def insert_product(self, product: Product) -> None:
        """Store a new product."""
        self._db.execute(
            "INSERT INTO products (id, name, active, created_at) VALUES (?, ?, ?, ?)",
            (product.id, product.name, product.active, _text(product.created_at)),
        )

    def product(self, product_id: str) -> Product | None:
        """The product with this id, active or not; None when there is none."""
        row = self._db.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
        return None if row is None else _product(row)

    def products(self) -> list[Product]:
        """Every product, oldest first."""
        rows = self._db.execute("SELECT * FROM products ORDER BY created_at, rowid").fetchall()
        return [_product(row) for row in rows]

    def set_product_active(self, product_id: str, active: bool) -> bool:
        """Switch a product on or off; False when there is no such product."""
        cursor = self._db.execute(
            "UPDATE products SET active = ? WHERE id = ?", (active, product_id)
        )
        return cursor.rowcount == 1

    # access tokens

    def insert_token(self, token: AccessToken) -> None:
        """Store a new access token."""
        self._db.execute(
            "INSERT INTO access_tokens (token, product_id, created_at, admin) VALUES (?, ?, ?, ?)",
            (token.token, token.product_id, _text(token.created_at), token.admin),
        )

    def token(self, token: str) -> AccessToken | None:
        """The stored token equal to *token*; None when there is none."""
        row = self._db.execute("SELECT * FROM access_tokens WHERE token = ?", (token,)).fetchone()
        return None if row is None else _token(row)

    def tokens(self) -> list[AccessToken]:
        """Every access token, oldest first."""
        rows = self._db.execute("SELECT * FROM access_tokens ORDER BY created_at, rowid")
        return [_token(row) for row in rows.fetchall()]

    # customers

    def insert_customer(self, customer: Customer) -> None:
        """Store a new customer (check :meth:`email_taken` first: e-mails are unique)."""
        self._db.execute(
            "INSERT INTO customers (id, name, email, active, created_at) VALUES (?, ?, ?, ?, ?)",
            (
                customer.id,
                customer.name,
                customer.email,
                customer.active,
                _text(customer.created_at),
            ),
        )

    def customer(self, customer_id: str) -> Customer | None:
        """The customer with this id; None when there is none."""
        row = self._db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return None if row is None else _customer(row)

    def customers(self) -> list[Customer]:
        """Every customer, oldest first."""
        rows = self._db.execute("SELECT * FROM customers ORDER BY created_at, rowid").fetchall()
        return [_customer(row) for row in rows]

    def email_taken(self, email: str) -> bool:
        """Whether a customer already has *email* (compared without regard to case)."""
        row = self._db.execute("SELECT 1 FROM customers WHERE email = ?", (email,)).fetchone()
        return row is not None

    def set_customer_active(self, customer_id: str, active: bool) -> bool:
        """Switch a customer on or off; False when there is no such customer."""
        cursor = self._db.execute(
            "UPDATE customers SET active = ? WHERE id = ?", (active, customer_id)
        )
        return cursor.rowcount == 1

    def update_customer(self, customer: Customer) -> None:
        """Store a customer's new name and e-mail (check :meth:`email_taken` first)."""
        self._db.execute(
            "UPDATE customers SET name = ?, email = ? WHERE id = ?",
            (customer.name, customer.email, customer.id),
        )

    def delete_customer(self, customer_id: str) -> None:
        """Remove a customer; their keys stay, without a customer."""
        self._db.execute(
            "UPDATE license_keys SET customer_id = NULL WHERE customer_id = ?", (customer_id,)
        )
        self._db.execute("DELETE FROM customers WHERE id = ?", (customer_id,))

    def customer_by_email(self, email: str) -> Customer | None:
        """The customer with *email* (compared without regard to case); None when there is none."""
        row = self._db.execute("SELECT * FROM customers WHERE email = ?", (email,)).fetchone()
        return None if row is None else _customer(row)

    def customer_keys(self, customer_id: str) -> list[LicenseKey]:
        """The keys of a customer, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM license_keys WHERE customer_id = ? ORDER BY created_at, rowid",
            (customer_id,),
        ).fetchall()
        return [_license_key(row) for row in rows]

    # license keys

    def insert_key(self, key: LicenseKey) -> None:
        """Store a new license key."""
        terms = _key_terms(key)
        self._db.execute(
            "INSERT INTO license_keys (id, key, product_id, customer_id, usage_limit, expires_at,"
            " blocked, created_at, max_sessions, heartbeat_interval, lease_duration, metadata,"
            " version_id, allowed_hosts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.id,
                key.key,
                key.product_id,
                *terms[:3],
                key.blocked,
                _text(key.created_at),
                *terms[3:],
            ),
        )

    def update_key(self, key: LicenseKey) -> None:
        """Store every changeable field of a key (customer, limits, expiry, floating, extras)."""
        self._db.execute(
            "UPDATE license_keys SET customer_id = ?, usage_limit = ?, expires_at = ?,"
            " max_sessions = ?, heartbeat_interval = ?, lease_duration = ?, metadata = ?,"
            " version_id = ?, allowed_hosts = ? WHERE id = ?",
            (*_key_terms(key), key.id),
        )

    def delete_key(self, license_id: str) -> None:
        """Remove a key with its devices and floating sessions."""
        self._db.execute("DELETE FROM devices WHERE license_id = ?", (license_id,))
        self._db.execute("DELETE FROM sessions WHERE license_id = ?", (license_id,))
        self._db.execute("DELETE FROM license_keys WHERE id = ?", (license_id,))

    def key(self, product_id: str, key: str) -> LicenseKey | None:
        """The license key *key* of *product_id*; None when that product has no such key."""
        row = self._db.execute(
            "SELECT * FROM license_keys WHERE product_id = ? AND key = ?", (product_id, key)
        ).fetchone()
        return None if row is None else _license_key(row)

    def set_key_blocked(self, license_id: str, blocked: bool) -> None:
        """Block or unblock the key with this ``lki_`` id."""
        self._db.execute("UPDATE license_keys SET blocked = ? WHERE id = ?", (blocked, license_id))

    # devices

    def devices(self, license_id: str) -> list[Device]:
        """The devices holding a slot of the key, in activation order."""
        rows = self._db.execute(
            "SELECT * FROM devices WHERE license_id = ? ORDER BY activated_at, rowid",
            (license_id,),
        ).fetchall()
        return [_device(row) for row in rows]

    def save_device(self, license_id: str, device: Device) -> None:
        """Add the device, or replace the stored one with the same ``host_id``."""
        self._db.execute(
            "INSERT INTO devices (license_id, host_id, device_tag, ip_address, activated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (license_id, host_id) DO UPDATE SET"
            " device_tag = excluded.device_tag, ip_address = excluded.ip_address,"
            " activated_at = excluded.activated_at",
            (
                license_id,
                device.host_id,
                device.device_tag,
                device.ip_address,
                _text(device.activated_at),
            ),
        )

    def delete_devices(self, license_id: str, host_id: str | None = None) -> int:
        """Free the slot of *host_id*, or every slot when it is None; returns how many."""
        if host_id is None:
            cursor = self._db.execute("DELETE FROM devices WHERE license_id = ?", (license_id,))
        else:
            cursor = self._db.execute(
                "DELETE FROM devices WHERE license_id = ? AND host_id = ?", (license_id, host_id)
            )
        return cursor.rowcount

    # settings

    def setting(self, name: str) -> str | None:
        """A stored emulator setting (such as the seed); None when unset."""
        row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row["value"])

    def set_setting(self, name: str, value: str) -> None:
        """Store or replace an emulator setting."""
        self._db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )


class Store:
    """One SQLite database shared by every thread of the emulator.

    ``Store(None)`` keeps everything in memory; ``Store(path)`` opens or creates the file.
    Raises :class:`EmulatorError` when the file is not an emulator database of a known version.
    """

    def __init__(self, path: str | PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        # check_same_thread=False: request threads share this connection; self._lock serializes.
        # isolation_level=None: transactions are opened explicitly with BEGIN IMMEDIATE.
        self._db = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            timeout=_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except (sqlite3.DatabaseError, EmulatorError) as exc:
            self._db.close()
            raise EmulatorError(f"{self.path} is not a usable emulator database: {exc}") from exc

    def _migrate(self) -> None:
        with self.transaction():
            migrate(self._db)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Run the block as one write transaction: committed on success, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database; later transactions raise :class:`sqlite3.ProgrammingError`."""
        with self._lock:
            self._db.close()


def _product(row: sqlite3.Row) -> Product:
    return Product(
        id=row["id"],
        name=row["name"],
        active=bool(row["active"]),
        created_at=_when(row["created_at"]),
    )


def _token(row: sqlite3.Row) -> AccessToken:
    return AccessToken(
        token=row["token"],
        product_id=row["product_id"],
        created_at=_when(row["created_at"]),
        admin=bool(row["admin"]),
    )


def _customer(row: sqlite3.Row) -> Customer:
    return Customer(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        active=bool(row["active"]),
        created_at=_when(row["created_at"]),
    )


def _key_terms(key: LicenseKey) -> tuple[Any, ...]:
    """customer_id, usage_limit, expires_at, then the generation-2 columns, as stored."""
    floating = key.floating
    return (
        key.customer_id,
        key.usage_limit,
        _text(key.expires_at),
        None if floating is None else floating.max_sessions,
        None if floating is None else floating.heartbeat_interval,
        None if floating is None else floating.lease_duration,
        None if key.metadata is None else json.dumps(key.metadata),
        key.version_id,
        None if key.allowed_hosts is None else json.dumps(list(key.allowed_hosts)),
    )


def _license_key(row: sqlite3.Row) -> LicenseKey:
    expires_at = row["expires_at"]
    floating = None
    if row["max_sessions"] is not None:
        floating = Floating(row["max_sessions"], row["heartbeat_interval"], row["lease_duration"])
    metadata, hosts = row["metadata"], row["allowed_hosts"]
    return LicenseKey(
        id=row["id"],
        key=row["key"],
        product_id=row["product_id"],
        customer_id=row["customer_id"],
        usage_limit=row["usage_limit"],
        expires_at=None if expires_at is None else _when(expires_at),
        blocked=bool(row["blocked"]),
        created_at=_when(row["created_at"]),
        floating=floating,
        metadata=None if metadata is None else json.loads(metadata),
        version_id=row["version_id"],
        allowed_hosts=None if hosts is None else tuple(json.loads(hosts)),
    )


def _device(row: sqlite3.Row) -> Device:
    return Device(
        host_id=row["host_id"],
        device_tag=row["device_tag"],
        ip_address=row["ip_address"],
        activated_at=_when(row["activated_at"]),
    )
