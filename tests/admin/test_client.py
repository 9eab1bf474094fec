"""KeymintAdmin against the emulator: every method, what lands on the server, local checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import license_guard.admin
from license_guard import ConfigurationError, InvalidLicenseKeyError
from license_guard.admin import Customer, Device, KeyDetails, KeymintAdmin, License, NewCustomer
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, KeymintError, Seed
from license_guard.emulator.dates import one_month_after

LATER = datetime(2031, 6, 30, 23, 59, 59, tzinfo=timezone.utc)


def _license(emulator: Emulator, product_id: str, key: str) -> dict[str, Any]:
    data: dict[str, Any] = emulator.key_info(product_id, key)
    return data


def test_public_surface_is_pinned_and_sorted() -> None:
    assert license_guard.admin.__all__ == [
        "ADMIN_MESSAGES",
        "Customer",
        "Device",
        "FloatingSeats",
        "KeyDetails",
        "KeymintAdmin",
        "License",
        "NewCustomer",
    ]


def test_importing_the_admin_tools_does_not_import_httpx() -> None:
    probe = (
        "import sys\n"
        "import license_guard.admin, license_guard.cli.admin\n"
        "print(sorted(m for m in ('httpx', 'httpcore') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_create_key_with_limit_expiry_and_new_customer(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = admin.create_key(
        uses_per_key=3,
        expires_at=LATER,
        new_customer=NewCustomer("Jane Doe", "jane@example.com"),
    )
    data = _license(keymint_emulator, keymint_seed.product_id, key)
    assert data["license"]["usage_limit"] == 3  # sent as the numeric string "3"
    assert data["license"]["expiration_date"] == "2031-06-30T23:59:59Z"
    assert data["customer"]["name"] == "Jane Doe"
    assert data["customer"]["email"] == "jane@example.com"
    assert data["customer"]["active"] is True
    assert data["license"]["devices"] == []


def test_create_key_for_an_existing_customer(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = admin.create_key(customer_id=keymint_seed.customer_id)
    data = _license(keymint_emulator, keymint_seed.product_id, key)
    assert data["customer"]["id"] == keymint_seed.customer_id


def test_create_key_defaults_are_the_servers(
    admin: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    key = admin.create_key()
    details = admin.get_key(key)
    assert details.license.usage_limit is None
    assert details.license.seats_left is None
    assert details.license.expires_at == one_month_after(emulator_clock.now())
    assert details.customer is None


def test_the_product_is_per_call_with_a_default(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    other = keymint_emulator.create_product("Other App")
    key = admin.create_key(product_id=other, uses_per_key=1)
    assert _license(keymint_emulator, other, key)["license"]["product_id"] == other
    with pytest.raises(KeymintError, match="Invalid license key"):
        keymint_emulator.key_info(keymint_seed.product_id, key)
    assert admin.get_key(key, product_id=other).license.product_id == other
    with pytest.raises(InvalidLicenseKeyError):
        admin.get_key(key)  # the default product has no such key


def test_get_key_returns_typed_frozen_values(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    keymint_emulator.activate(product, key, "host-aaaaaaaaaaaaaaaa", device_tag="Studio PC")
    first_seen = emulator_clock.now()
    emulator_clock.advance(timedelta(hours=2))
    keymint_emulator.activate(product, key, "host-bbbbbbbbbbbbbbbb")

    details = admin.get_key(key)

    assert isinstance(details, KeyDetails)
    assert isinstance(details.license, License)
    assert details.license.key == key
    assert details.license.product_id == product
    assert (details.license.usage_limit, details.license.activations) == (5, 2)
    assert details.license.seats_left == 3
    assert details.license.activated is True
    assert details.license.expires_at == one_month_after(first_seen)
    assert details.license.devices == (
        Device("host-aaaaaaaaaaaaaaaa", "Studio PC", "127.0.0.1", first_seen),
        Device("host-bbbbbbbbbbbbbbbb", None, "127.0.0.1", first_seen + timedelta(hours=2)),
    )
    for device in details.license.devices:
        assert device.activation_time is not None
        assert device.activation_time.utcoffset() == timedelta(0)
    customer = keymint_emulator.customers()[0]
    assert details.customer == Customer(
        keymint_seed.customer_id, "Demo Customer", customer.email, True
    )
    assert details.server_time == emulator_clock.now()
    with pytest.raises(AttributeError):
        details.license.activations = 0  # type: ignore[misc]
    assert key not in repr(details)
    assert details.license.key_hint == "…" + key[-4:]
    assert details.license.device("host-bbbbbbbbbbbbbbbb") is details.license.devices[1]
    assert details.license.device("nope") is None


def test_block_and_unblock(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    admin.block_key(key)
    admin.block_key(key)  # again is fine
    with pytest.raises(KeymintError, match="blocked"):
        keymint_emulator.activate(product, key, "host-1")
    admin.unblock_key(key)
    admin.unblock_key(key)
    assert keymint_emulator.activate(product, key, "host-1").name == "Demo Customer"


def test_deactivate_one_device_then_all(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    for host in ("host-1", "host-2", "host-3"):
        keymint_emulator.activate(product, key, host)

    assert admin.deactivate_device(key, "host-2") is True
    hosts = [d["host_id"] for d in _license(keymint_emulator, product, key)["license"]["devices"]]
    assert hosts == ["host-1", "host-3"]
    assert admin.deactivate_device(key, "host-2") is False  # 404 "Device not found"

    assert admin.deactivate_all(key) is True
    assert _license(keymint_emulator, product, key)["license"]["devices"] == []
    assert admin.deactivate_all(key) is False  # 403 "License not activated"
    assert admin.deactivate_device(key, "host-1") is False


def test_keys_are_trimmed_like_a_pasted_key(admin: KeymintAdmin, keymint_seed: Seed) -> None:
    details = admin.get_key(f"  {keymint_seed.license_key}\n")
    assert details.license.key == keymint_seed.license_key


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda a: a.create_key(customer_id="cust_1", new_customer=NewCustomer("Jane")),
            "not both",
        ),
        (lambda a: a.create_key(uses_per_key=0), "at least 1"),
        (lambda a: a.create_key(uses_per_key=True), "whole number"),
        (lambda a: a.create_key(uses_per_key="5"), "whole number"),
        (lambda a: a.create_key(expires_at=datetime(2031, 1, 1)), "timezone-aware"),
        (
            lambda a: a.create_key(expires_at=datetime(2029, 1, 1, tzinfo=timezone.utc)),
            "has passed",
        ),
        (lambda a: a.create_key(customer_id=" "), "must not be empty"),
        (lambda a: a.create_key(product_id="prod_short"), "22 to 256"),
        (lambda a: a.deactivate_device("ABCDE-FGHIJ-KLMNO-PQRST", ""), "host ID"),
        (lambda a: a.deactivate_device("ABCDE-FGHIJ-KLMNO-PQRST", "h" * 65), "host ID"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    admin: KeymintAdmin, keymint_emulator: Emulator, call: Any, match: str
) -> None:
    keymint_emulator.clear_request_log()
    with pytest.raises(ConfigurationError, match=match):
        call(admin)
    assert keymint_emulator.request_log == []


@pytest.mark.parametrize("key", ["", "short", "X" * 257, None])
def test_a_key_that_cannot_be_a_key_is_refused_locally(
    admin: KeymintAdmin, keymint_emulator: Emulator, key: Any
) -> None:
    keymint_emulator.clear_request_log()
    for call in (admin.get_key, admin.block_key, admin.unblock_key, admin.deactivate_all):
        with pytest.raises(InvalidLicenseKeyError):
            call(key)
    assert keymint_emulator.request_log == []


def test_a_new_customer_needs_a_name() -> None:
    with pytest.raises(ConfigurationError, match="needs a name"):
        NewCustomer(" ")
    with pytest.raises(ConfigurationError, match="e-mail"):
        NewCustomer("Jane", "")
    assert NewCustomer("Jane").to_json() == {"name": "Jane"}
    assert NewCustomer("Jane", "j@x.io").to_json() == {"name": "Jane", "email": "j@x.io"}


def test_construction_is_checked(keymint_seed: Seed) -> None:
    with pytest.raises(ConfigurationError, match="access_token"):
        KeymintAdmin(access_token=" ")
    with pytest.raises(ConfigurationError, match="timeout"):
        KeymintAdmin(access_token="at_x", timeout=0)
    with pytest.raises(ConfigurationError, match="22 to 256"):
        KeymintAdmin(access_token="at_x", product_id="prod_x")
    with pytest.raises(ConfigurationError, match="https://"):
        KeymintAdmin(access_token="at_x", base_url="ftp://keymint.test")
    # A closed loopback port: were the local check missing, nothing would leave the machine.
    no_default = KeymintAdmin(access_token="at_x", base_url="http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="No product id"):
        no_default.get_key(keymint_seed.license_key)


def test_repr_shows_the_token_shortened(admin: KeymintAdmin, admin_token: str) -> None:
    assert admin_token not in repr(admin)
    assert repr(admin).endswith(f"access_token='…{admin_token[-4:]}')")
