"""/activate-key: success, re-activation, every refusal, over a real socket."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed


def _activate(
    client: httpx.Client, key_ref: dict[str, str], host_id: str, **extra: Any
) -> httpx.Response:
    return client.post("/activate-key", json={**key_ref, "hostId": host_id, **extra})


def _refusal(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def test_success_names_the_licensee(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    response = _activate(client, key_ref, "host-1", deviceTag="Dev Workstation")
    assert response.status_code == 200
    customer = keymint_emulator.customers()[0]
    assert response.json() == {
        "code": 0,
        "message": "License valid",
        "licensee_name": "Demo Customer",
        "licensee_email": customer.email,
    }
    device = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)[
        "license"
    ]["devices"][0]
    assert (device["host_id"], device["device_tag"]) == ("host-1", "Dev Workstation")


def test_a_key_without_customer_has_null_licensee(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id)
    body = {"productId": keymint_seed.product_id, "licenseKey": key, "hostId": "h"}
    response = client.post("/activate-key", json=body)
    assert response.json() == {
        "code": 0,
        "message": "License valid",
        "licensee_name": None,
        "licensee_email": None,
    }


def test_same_host_again_succeeds_without_taking_a_slot(
    client: httpx.Client,
    key_ref: dict[str, str],
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    assert _activate(client, key_ref, "host-1", deviceTag="old").status_code == 200
    first_time = emulator_clock.now()
    emulator_clock.advance(timedelta(hours=5))
    assert _activate(client, key_ref, "host-1", deviceTag="new").status_code == 200
    license_data = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)[
        "license"
    ]
    assert license_data["activations"] == 1
    [device] = license_data["devices"]
    assert device["device_tag"] == "new"
    assert device["activation_time"] == first_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _activate(client, key_ref, "host-1").status_code == 200  # no tag: the old one stays
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert info["license"]["devices"][0]["device_tag"] == "new"


def test_a_full_key_refuses_new_hosts_but_not_the_ones_it_holds(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id, uses_per_key=2)
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    assert _activate(client, ref, "a").status_code == 200
    assert _activate(client, ref, "b").status_code == 200
    refused = _activate(client, ref, "c")
    assert _refusal(refused) == (403, {"message": "Activation limit reached", "code": 2})
    assert _activate(client, ref, "a").status_code == 200
    assert keymint_emulator.key_info(keymint_seed.product_id, key)["license"]["activations"] == 2


def test_an_unlimited_key_takes_many_hosts(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id, uses_per_key=None)
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    for host in range(12):
        assert _activate(client, ref, f"host-{host}").status_code == 200
    assert keymint_emulator.key_info(keymint_seed.product_id, key)["license"]["activations"] == 12


def test_expiry_is_decided_by_the_emulator_clock(
    client: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    expires_at = datetime(2030, 3, 1, tzinfo=timezone.utc)
    key = keymint_emulator.create_key(keymint_seed.product_id, expires_at=expires_at)
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    assert _activate(client, ref, "host-1").status_code == 200
    emulator_clock.set(expires_at - timedelta(seconds=1))
    assert _activate(client, ref, "host-1").status_code == 200
    emulator_clock.set(expires_at)
    assert _refusal(_activate(client, ref, "host-1")) == (
        403,
        {"message": "License expired", "code": 2},
    )


def test_the_seeded_key_expires_after_one_month(
    client: httpx.Client, key_ref: dict[str, str], emulator_clock: ManualClock
) -> None:
    emulator_clock.advance(timedelta(days=31))
    assert _refusal(_activate(client, key_ref, "host-1")) == (
        403,
        {"message": "License expired", "code": 2},
    )


def test_a_never_expiring_key_still_works_years_later(
    client: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    key = keymint_emulator.create_key(keymint_seed.product_id, never_expires=True)
    emulator_clock.advance(timedelta(days=3650))
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    assert _activate(client, ref, "host-1").status_code == 200


def test_blocked_then_unblocked(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator
) -> None:
    assert client.post("/block-key", json=key_ref).json() == {"code": 0, "message": "Key blocked"}
    assert _refusal(_activate(client, key_ref, "host-1")) == (
        403,
        {"message": "License key blocked", "code": 2},
    )
    unblocked = client.post("/unblock-key", json=key_ref)
    assert unblocked.json() == {"code": 0, "message": "Key unblocked"}
    assert _activate(client, key_ref, "host-1").status_code == 200


def test_an_inactive_customer_cannot_activate(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.set_customer_active(keymint_seed.customer_id, False)
    assert _refusal(_activate(client, key_ref, "host-1")) == (
        403,
        {"message": "Customer inactive", "code": 2},
    )
    keymint_emulator.set_customer_active(keymint_seed.customer_id, True)
    assert _activate(client, key_ref, "host-1").status_code == 200


def test_inactive_product_counts_as_not_found(
    client: httpx.Client, key_ref: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.set_product_active(keymint_seed.product_id, False)
    assert _refusal(_activate(client, key_ref, "host-1")) == (
        404,
        {"message": "Product not found or inactive", "code": 1},
    )


def test_unknown_key(client: httpx.Client, keymint_seed: Seed) -> None:
    ref = {"productId": keymint_seed.product_id, "licenseKey": "AAAAA-BBBBB-CCCCC-DDDDD"}
    assert _refusal(_activate(client, ref, "host-1")) == (
        404,
        {"message": "Invalid license key", "code": 1},
    )


def test_a_key_of_another_product_is_unknown_here(
    client: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    other = keymint_emulator.create_product("Other App")
    other_key = keymint_emulator.create_key(other)
    ref = {"productId": keymint_seed.product_id, "licenseKey": other_key}
    assert _activate(client, ref, "host-1").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"hostId": None},
        {"licenseKey": None},
        {"productId": None},
    ],
)
def test_missing_params(
    client: httpx.Client, key_ref: dict[str, str], fields: dict[str, Any]
) -> None:
    response = client.post("/activate-key", json={**key_ref, "hostId": "h", **fields})
    assert _refusal(response) == (400, {"message": "Missing required params", "code": 1})


@pytest.mark.parametrize(
    "fields",
    [
        {"hostId": ""},
        {"hostId": "h" * 65},
        {"hostId": 7},
        {"deviceTag": ""},
        {"deviceTag": "t" * 65},
        {"licenseKey": "AAAAA-BBBBB-CCCCC-DDDD"},  # 22 < 23
        {"licenseKey": "K" * 257},
    ],
)
def test_field_lengths_are_enforced(
    client: httpx.Client, key_ref: dict[str, str], fields: dict[str, Any]
) -> None:
    response = client.post("/activate-key", json={**key_ref, "hostId": "h", **fields})
    assert response.status_code == 400
    assert response.json()["code"] == 1


def test_the_longest_allowed_fields_are_accepted(
    client: httpx.Client, key_ref: dict[str, str]
) -> None:
    response = _activate(client, key_ref, "h" * 64, deviceTag="t" * 64)
    assert response.status_code == 200
