"""The emulator's SQLite schema and its upgrades, by ``PRAGMA user_version``.

Version 1 held generation 1 (products, tokens, customers, keys, devices, settings). Version 2 adds
what generation 2 needs: admin tokens, floating and descriptive columns on keys, floating
sessions, and stored idempotent answers. A version-1 file is upgraded in place when opened.
"""

from __future__ import annotations

import sqlite3

from license_guard.emulator.errors import EmulatorError

__all__ = ["SCHEMA_VERSION", "migrate"]

SCHEMA_VERSION = 2

_VERSION_1 = """
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE access_tokens (
    token TEXT PRIMARY KEY,
    product_id TEXT REFERENCES products (id),
    created_at TEXT NOT NULL
);
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE COLLATE NOCASE,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE license_keys (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    product_id TEXT NOT NULL REFERENCES products (id),
    customer_id TEXT REFERENCES customers (id),
    usage_limit INTEGER,
    expires_at TEXT,
    blocked INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE devices (
    license_id TEXT NOT NULL REFERENCES license_keys (id),
    host_id TEXT NOT NULL,
    device_tag TEXT,
    ip_address TEXT NOT NULL,
    activated_at TEXT NOT NULL,
    PRIMARY KEY (license_id, host_id)
);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_VERSION_2 = """
ALTER TABLE access_tokens ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE license_keys ADD COLUMN max_sessions INTEGER;
ALTER TABLE license_keys ADD COLUMN heartbeat_interval INTEGER;
ALTER TABLE license_keys ADD COLUMN lease_duration INTEGER;
ALTER TABLE license_keys ADD COLUMN metadata TEXT;
ALTER TABLE license_keys ADD COLUMN version_id TEXT;
ALTER TABLE license_keys ADD COLUMN allowed_hosts TEXT;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL REFERENCES license_keys (id),
    host_id TEXT NOT NULL,
    device_tag TEXT,
    user_identifier TEXT,
    secret TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE idempotent_answers (
    token_digest TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (token_digest, idempotency_key)
);
"""

# Index i upgrades version i to i + 1.
_STEPS = (_VERSION_1, _VERSION_2)


def migrate(db: sqlite3.Connection) -> None:
    """Bring the open database (inside a transaction) to :data:`SCHEMA_VERSION`.

    Raises :class:`EmulatorError` for a version this emulator does not know.
    """
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if not 0 <= version <= SCHEMA_VERSION:
        raise EmulatorError(f"schema version {version}, expected {SCHEMA_VERSION}")
    for script in _STEPS[version:]:
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
