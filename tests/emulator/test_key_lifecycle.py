"""/get-key, /deactivate-key, /block-key and /unblock-key, over a real socket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def test_get_key_has_exactly_the_documented_shape(
    client: httpx.Client,
    key_ref: dict[str, str],
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    client.post("/activate-key", json={**key_ref, "hostId": "a1:b2-hash", "deviceTag": "Laptop"})
    emulator_clock.advance(timedelta(minutes=90))
    client.post("/activate-key", json={**key_ref, "hostId": "other-device"})

    response = client.post("/get-key", json=key_ref)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "data"}
    assert body["code"] == 0
    assert set(body["data"]) == {"license", "customer"}
    customer = keymint_emulator.customers()[0]
    assert body["data"]["customer"] == {
        "id": keymint_seed.customer_id,
        "name": "Demo Customer",
        "email": customer.email,
        "active": True,
    }
    license_data = body["data"]["license"]
    assert license_data.pop("id").startswith("lki_")
    assert license_data == {
        "key": keymint_seed.license_key,
        "product_id": keymint_seed.product_id,
        "usage_limit": 5,
        "activations": 2,
        "devices": [
            {
                "host_id": "a1:b2-hash",
                "device_tag": "Laptop",
                "ip_address": "127.0.0.1",
                "activation_time": "2030-01-15T09:00:00Z",
            },
            {
                "host_id": "other-device",
                "device_tag": None,
                "ip_address": "127.0.0.1",
                "activation_time": "2030-01-15T10:30:00Z",
            },
        ],
        "activated": True,
        "expiration_date": "2030-02-15T09:00:00Z",
    }


def test_get_key_of_a_fresh_key_without_customer_or_expiry(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id, never_expires=True)
    response = client.post(
        "/get-key", json={"productId": keymint_seed.product_id, "licenseKey": key}
    )
    data = response.json()["data"]
    assert data["customer"] is None
    assert data["license"]["activated"] is False
    assert data["license"]["activations"] == 0
    assert data["license"]["devices"] == []
    assert data["license"]["expiration_date"] is None
    assert data["license"]["usage_limit"] is None
    assert data == keymint_emulator.key_info(keymint_seed.product_id, key)


def test_get_key_works_on_blocked_and_expired_keys(
    client: httpx.Client,
    key_ref: dict[str, str],
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    emulator_clock.advance(timedelta(days=400))
    response = client.post("/get-key", json=key_ref)
    assert response.status_code == 200
    assert response.json()["data"]["license"]["key"] == keymint_seed.license_key


@pytest.mark.parametrize("path", ["/get-key", "/deactivate-key", "/block-key", "/unblock-key"])
def test_unknown_key_product_and_missing_params(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed, path: str
) -> None:
    unknown_key = {"productId": keymint_seed.product_id, "licenseKey": "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"}
    assert _answer(client.post(path, json=unknown_key)) == (
        404,
        {"message": "Invalid license key", "code": 1},
    )
    missing = client.post(path, json={"productId": keymint_seed.product_id})
    assert _answer(missing) == (400, {"message": "Missing required params", "code": 1})
    keymint_emulator.set_product_active(keymint_seed.product_id, False)
    real_key = {"productId": keymint_seed.product_id, "licenseKey": keymint_seed.license_key}
    assert _answer(client.post(path, json=real_key)) == (
        404,
        {"message": "Product not found or inactive", "code": 1},
    )


def _hosts(emulator: Emulator, seed: Seed) -> list[str]:
    devices = emulator.key_info(seed.product_id, seed.license_key)["license"]["devices"]
    return [device["host_id"] for device in devices]


def test_deactivate_one_host(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    for host in ("a", "b"):
        client.post("/activate-key", json={**key_ref, "hostId": host})
    response = client.post("/deactivate-key", json={**key_ref, "hostId": "a"})
    assert _answer(response) == (200, {"code": 0, "message": "Device deactivated"})
    assert _hosts(keymint_emulator, keymint_seed) == ["b"]
    again = client.post("/deactivate-key", json={**key_ref, "hostId": "a"})
    assert _answer(again) == (404, {"message": "Device not found", "code": 1})


def test_deactivate_every_host(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    for host in ("a", "b", "c"):
        client.post("/activate-key", json={**key_ref, "hostId": host})
    response = client.post("/deactivate-key", json=key_ref)
    assert _answer(response) == (200, {"code": 0, "message": "All devices deactivated"})
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert (info["license"]["activations"], info["license"]["activated"]) == (0, False)


@pytest.mark.parametrize("host", [None, "a"])
def test_deactivating_a_key_with_no_devices_is_refused(
    client: httpx.Client, key_ref: dict[str, str], host: str | None
) -> None:
    body = key_ref if host is None else {**key_ref, "hostId": host}
    assert _answer(client.post("/deactivate-key", json=body)) == (
        403,
        {"message": "License not activated", "code": 2},
    )


def test_a_freed_slot_can_be_taken_by_another_host(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id, uses_per_key=1)
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    assert client.post("/activate-key", json={**ref, "hostId": "old"}).status_code == 200
    assert client.post("/activate-key", json={**ref, "hostId": "new"}).status_code == 403
    client.post("/deactivate-key", json={**ref, "hostId": "old"})
    assert client.post("/activate-key", json={**ref, "hostId": "new"}).status_code == 200


def test_deactivate_works_on_a_blocked_key(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    client.post("/activate-key", json={**key_ref, "hostId": "a"})
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    assert client.post("/deactivate-key", json={**key_ref, "hostId": "a"}).status_code == 200


def test_block_and_unblock_are_idempotent(client: httpx.Client, key_ref: dict[str, str]) -> None:
    for _ in range(2):
        assert _answer(client.post("/block-key", json=key_ref)) == (
            200,
            {"code": 0, "message": "Key blocked"},
        )
    for _ in range(2):
        assert _answer(client.post("/unblock-key", json=key_ref)) == (
            200,
            {"code": 0, "message": "Key unblocked"},
        )


def test_blocking_keeps_existing_activations(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    client.post("/activate-key", json={**key_ref, "hostId": "a"})
    client.post("/block-key", json=key_ref)
    assert client.post("/activate-key", json={**key_ref, "hostId": "a"}).status_code == 403
    assert _hosts(keymint_emulator, keymint_seed) == ["a"]
