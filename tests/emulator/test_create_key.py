"""/create-key, every row of keymint-api.md and seed 002, over a real socket."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

KEY_SHAPE = re.compile(r"[A-Z0-9]{5}(-[A-Z0-9]{5}){3}")
MISSING = {"message": "Missing required params", "code": 1}


def _created_key(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "key"}
    assert body["code"] == 0
    key = body["key"]
    assert isinstance(key, str)
    assert KEY_SHAPE.fullmatch(key)
    return key


def test_simple_key_with_limit_and_expiry(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    body = {
        "productId": keymint_seed.product_id,
        "usesPerKey": "3",
        "expiryDate": "2031-06-30T23:59:59Z",
    }
    key = _created_key(client.post("/create-key", json=body))
    license_data = keymint_emulator.key_info(keymint_seed.product_id, key)["license"]
    assert license_data["usage_limit"] == 3
    assert license_data["expiration_date"] == "2031-06-30T23:59:59Z"
    assert license_data["activations"] == 0
    assert keymint_emulator.key_info(keymint_seed.product_id, key)["customer"] is None


@pytest.mark.parametrize("uses", [None, "omitted"])
def test_without_limit_or_expiry_the_key_is_unlimited_and_lasts_one_month(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed, uses: str | None
) -> None:
    body: dict[str, Any] = {"productId": keymint_seed.product_id}
    if uses is None:
        body["usesPerKey"] = None
        body["expiryDate"] = None
    key = _created_key(client.post("/create-key", json=body))
    license_data = keymint_emulator.key_info(keymint_seed.product_id, key)["license"]
    assert license_data["usage_limit"] is None
    # emulator_clock starts at 2030-01-15 09:00 UTC
    assert license_data["expiration_date"] == "2030-02-15T09:00:00Z"


def test_one_month_after_the_31st_is_the_end_of_the_next_month(
    client: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    emulator_clock.set(datetime(2030, 1, 31, 12, 0, tzinfo=timezone.utc))
    key = _created_key(client.post("/create-key", json={"productId": keymint_seed.product_id}))
    license_data = keymint_emulator.key_info(keymint_seed.product_id, key)["license"]
    assert license_data["expiration_date"] == "2030-02-28T12:00:00Z"


@pytest.mark.parametrize(
    ("expiry", "shown"),
    [
        ("2031-01-02T03:04:05+02:00", "2031-01-02T01:04:05Z"),
        ("2031-01-02", "2031-01-02T00:00:00Z"),
        ("2031-01-02T03:04:05", "2031-01-02T03:04:05Z"),
        ("2031-01-02T03:04:05.250Z", "2031-01-02T03:04:05Z"),
    ],
)
def test_expiry_dates_in_iso_8601_are_read_as_utc(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed, expiry: str, shown: str
) -> None:
    body = {"productId": keymint_seed.product_id, "expiryDate": expiry}
    key = _created_key(client.post("/create-key", json=body))
    assert (
        keymint_emulator.key_info(keymint_seed.product_id, key)["license"]["expiration_date"]
        == shown
    )


def test_new_customer_is_created_and_owns_the_key(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    body = {
        "productId": keymint_seed.product_id,
        "newCustomer": {"name": "John Doe", "email": "john.doe.new@example.com"},
    }
    key = _created_key(client.post("/create-key", json=body))
    customer = keymint_emulator.key_info(keymint_seed.product_id, key)["customer"]
    assert customer["name"] == "John Doe"
    assert customer["email"] == "john.doe.new@example.com"
    assert customer["active"] is True
    assert customer["id"].startswith("cust_")
    assert customer["id"] in [c.id for c in keymint_emulator.customers()]


def test_existing_customer_owns_the_key(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    body = {"productId": keymint_seed.product_id, "customerId": keymint_seed.customer_id}
    key = _created_key(client.post("/create-key", json=body))
    customer = keymint_emulator.key_info(keymint_seed.product_id, key)["customer"]
    assert customer["id"] == keymint_seed.customer_id
    assert customer["name"] == "Demo Customer"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"productId": None},
        {"usesPerKey": "3"},
        {"newCustomer": {"email": "nameless@example.com"}},
    ],
)
def test_missing_required_params(
    client: httpx.Client, keymint_seed: Seed, body: dict[str, Any]
) -> None:
    if "newCustomer" in body:
        body["productId"] = keymint_seed.product_id
    response = client.post("/create-key", json=body)
    assert (response.status_code, response.json()) == (400, MISSING)


@pytest.mark.parametrize(
    "fields",
    [
        {"productId": "prod_short"},  # 10 < 22
        {"productId": "p" * 257},
        {"productId": 12345678901234567890123},
        {"usesPerKey": 5},  # a number, not a numeric string
        {"usesPerKey": "five"},
        {"usesPerKey": "0"},
        {"usesPerKey": "-1"},
        {"usesPerKey": "2.5"},
        {"usesPerKey": "99999999999999999999"},
        {"expiryDate": "next tuesday"},
        {"expiryDate": "2031-13-01T00:00:00Z"},
        {"expiryDate": 1893456000},
        {"newCustomer": "Jane"},
        {"newCustomer": {"name": ""}},
        {"customerId": 42},
        {"customerId": "cust_x", "newCustomer": {"name": "Jane"}},
    ],
)
def test_malformed_params_get_400_code_1(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed, fields: dict[str, Any]
) -> None:
    body = {"productId": keymint_seed.product_id, **fields}
    response = client.post("/create-key", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == 1
    assert response.json()["message"]
    assert len(keymint_emulator.customers()) == 1  # nothing was created on the way


def test_unknown_or_inactive_product(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    not_found = {"message": "Product not found or inactive", "code": 1}
    # A token scoped to the seeded product may not even ask about another one (401, tested
    # elsewhere); a global token learns that it does not exist.
    global_token = {"Authorization": f"Bearer {keymint_emulator.create_access_token(None)}"}
    body = {"productId": "prod_" + "0" * 20}
    unknown = client.post("/create-key", json=body, headers=global_token)
    assert (unknown.status_code, unknown.json()) == (404, not_found)
    keymint_emulator.set_product_active(keymint_seed.product_id, False)
    inactive = client.post("/create-key", json={"productId": keymint_seed.product_id})
    assert (inactive.status_code, inactive.json()) == (404, not_found)


def test_unknown_customer_gets_404_code_2(client: httpx.Client, keymint_seed: Seed) -> None:
    body = {"productId": keymint_seed.product_id, "customerId": "cust_abc123"}
    response = client.post("/create-key", json=body)
    assert response.status_code == 404
    assert response.json() == {"message": "Customer with ID cust_abc123 not found", "code": 2}


def test_duplicate_customer_email_gets_409_and_creates_nothing(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.create_customer("Jane", email="jane@example.com")
    body = {
        "productId": keymint_seed.product_id,
        "newCustomer": {"name": "Other Jane", "email": "JANE@example.com"},
    }
    response = client.post("/create-key", json=body)
    assert response.status_code == 409
    assert response.json() == {
        "message": "CONFLICT: Customer email JANE@example.com already exists.",
        "code": 2,
    }
    assert [c.name for c in keymint_emulator.customers()] == ["Demo Customer", "Jane"]
