"""State in a database file survives closing and reopening it."""

from __future__ import annotations

import sqlite3
import ssl
from pathlib import Path

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorError, EmulatorServer, KeymintError
from license_guard.testing import EMULATOR_EPOCH


def test_everything_survives_a_restart(tmp_path: Path, tls_context: ssl.SSLContext) -> None:
    db = tmp_path / "state.db"
    clock = ManualClock(EMULATOR_EPOCH)
    with Emulator(db, clock) as emulator:
        seed = emulator.seed(uses_per_key=3)
        emulator.activate(seed.product_id, seed.license_key, "host-a", device_tag="Laptop")
        emulator.activate(seed.product_id, seed.license_key, "host-b")
        retired = emulator.create_product("Retired", active=False)
        blocked_key = emulator.create_key(seed.product_id, never_expires=True)
        emulator.block_key(seed.product_id, blocked_key)
        emulator.set_customer_active(emulator.create_customer("Gone", email="g@x.io"), False)
        before = emulator.key_info(seed.product_id, seed.license_key)
        products, customers = emulator.products(), emulator.customers()

    with Emulator(db, clock) as reopened:
        assert reopened.db_path == db
        assert reopened.stored_seed() == seed
        assert reopened.key_info(seed.product_id, seed.license_key) == before
        assert reopened.products() == products
        assert reopened.customers() == customers
        with pytest.raises(KeymintError) as blocked:
            reopened.activate(seed.product_id, blocked_key, "host-c")
        assert (blocked.value.status, blocked.value.message) == (403, "License key blocked")
        with pytest.raises(KeymintError) as inactive:
            reopened.create_key(retired)
        assert inactive.value.status == 404
        with (
            EmulatorServer(reopened) as server,
            httpx.Client(base_url=server.url, verify=tls_context) as client,
        ):
            response = client.post(
                "/activate-key",
                json={
                    "productId": seed.product_id,
                    "licenseKey": seed.license_key,
                    "hostId": "host-a",
                },
                headers={"Authorization": f"Bearer {seed.access_token}"},
            )
        assert response.status_code == 200  # same token, same slot
        assert reopened.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 2


def test_writes_of_one_emulator_are_seen_by_another_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    with Emulator(db) as first, Emulator(db) as second:
        product = first.create_product("Shared")
        key = second.create_key(product, uses_per_key=1)
        first.activate(product, key, "host-a")
        with pytest.raises(KeymintError, match="Activation limit reached"):
            second.activate(product, key, "host-b")


def test_a_file_that_is_not_an_emulator_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(EmulatorError, match="not a usable emulator database"):
        Emulator(junk)


def test_a_database_of_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "future.db"
    with sqlite3.connect(other) as connection:
        connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(EmulatorError, match="schema version 99"):
        Emulator(other)
