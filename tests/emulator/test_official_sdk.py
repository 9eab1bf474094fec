"""The official Keymint SDK 2.7.0 (test-only dependency) against the emulator on a real socket.

Every SDK method is called as a vendor's code calls it; the emulator must answer what the SDK
reads. The SDK talks with ``requests`` to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import keymint
import pytest
from keymint.identity import generate_session_signature

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed


@pytest.fixture
def admin_sdk(keymint_emulator: Emulator, keymint_server: EmulatorServer) -> keymint.KeyMint:
    return keymint.KeyMint(keymint_emulator.admin_token(), base_url=keymint_server.url)


@pytest.fixture
def sdk(keymint_seed: Seed, keymint_server: EmulatorServer) -> keymint.KeyMint:
    return keymint.KeyMint(keymint_seed.access_token, base_url=keymint_server.url)


def _ref(seed: Seed, key: str | None = None) -> dict[str, str]:
    return {"productId": seed.product_id, "licenseKey": key or seed.license_key}


def test_key_lifecycle(sdk: keymint.KeyMint, keymint_seed: Seed) -> None:
    created = sdk.create_key(
        {"productId": keymint_seed.product_id, "maxActivations": "2", "metadata": {"plan": "pro"}}
    )
    assert created["code"] == 0
    key = created["key"]

    activated = sdk.activate_key({**_ref(keymint_seed, key), "hostId": "host-a"})
    assert activated["message"] == "License valid"
    assert activated["metadata"] == {"plan": "pro"}
    assert activated["expirationDate"].endswith("Z")

    data = sdk.get_key(_ref(keymint_seed, key))["data"]
    assert data["license"]["maxActivations"] == 2
    assert [d["hostId"] for d in data["license"]["devices"]] == ["host-a"]
    assert data["customer"] is None

    updated = sdk.update_key({**_ref(keymint_seed, key), "maxActivations": 3})
    assert updated["affectedCount"] == 1
    assert sdk.get_key(_ref(keymint_seed, key))["data"]["license"]["maxActivations"] == 3

    assert sdk.block_key(_ref(keymint_seed, key))["message"] == "Key blocked"
    with pytest.raises(keymint.KeyMintApiError) as refused:
        sdk.activate_key({**_ref(keymint_seed, key), "hostId": "host-b"})
    assert (refused.value.status, refused.value.code) == (403, 2)
    assert sdk.unblock_key(_ref(keymint_seed, key))["message"] == "Key unblocked"

    removed = sdk.deactivate_key({**_ref(keymint_seed, key), "hostId": "host-a"})
    assert removed["devicesRemoved"] == 1
    assert sdk.delete_key(_ref(keymint_seed, key))["code"] == 0
    with pytest.raises(keymint.KeyMintApiError) as gone:
        sdk.get_key(_ref(keymint_seed, key))
    assert (gone.value.status, gone.value.code, gone.value.message) == (
        404,
        1,
        "Invalid license key",
    )


def test_both_generations_share_one_state(sdk: keymint.KeyMint, keymint_seed: Seed) -> None:
    sdk.activate_key({**_ref(keymint_seed), "hostId": "host-a"})
    info = sdk.get_key(_ref(keymint_seed))["data"]
    assert info["license"]["activations"] == 1
    assert info["customer"]["id"] == keymint_seed.customer_id


def test_signed_offline_license_verifies_with_the_sdk(
    admin_sdk: keymint.KeyMint, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    answer = admin_sdk.sign_key({**_ref(keymint_seed), "hostId": "machine-1", "ttl": 3600})
    assert set(json.loads(answer["file"])) == {"signedKey"}
    verified = keymint.verify_offline_license(
        answer["file"],
        public_keys=[keymint_emulator.public_key_pem],
        product_id=keymint_seed.product_id,
        machine_code="machine-1",
        now=keymint_emulator.clock.now(),
    )
    assert verified.license_key == keymint_seed.license_key
    assert verified.expires_at - verified.issued_at == timedelta(hours=1)
    with pytest.raises(keymint.OfflineLicenseError) as wrong:
        keymint.verify_offline_license(
            answer["file"],
            public_keys=[keymint_emulator.public_key_pem],
            product_id=keymint_seed.product_id,
            machine_code="machine-2",
            now=keymint_emulator.clock.now(),
        )
    assert wrong.value.code == keymint.OfflineLicenseErrorCode.WRONG_MACHINE


def test_a_product_token_may_not_sign(sdk: keymint.KeyMint, keymint_seed: Seed) -> None:
    with pytest.raises(keymint.KeyMintApiError) as refused:
        sdk.sign_key({**_ref(keymint_seed), "hostId": "machine-1"})
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        403,
        1,
        "Insufficient permissions for this operation",
    )


def test_customers(sdk: keymint.KeyMint, keymint_seed: Seed) -> None:
    created = sdk.create_customer({"name": "Ada", "email": "ada@example.com"})
    customer_id = created["data"]["id"]
    with pytest.raises(keymint.KeyMintApiError) as taken:
        sdk.create_customer({"name": "Other", "email": "ADA@example.com"})
    assert (taken.value.status, taken.value.code) == (409, 1)

    listed = sdk.get_all_customers({"email": "ada@example.com"})
    assert [c["id"] for c in listed["data"]] == [customer_id]
    assert listed["meta"]["total"] == 1
    assert len(sdk.get_all_customers()["data"]) == 2  # the seed's customer too

    assert sdk.get_customer_by_id({"customerId": customer_id})["data"][0]["name"] == "Ada"
    sdk.update_customer({"customerId": customer_id, "name": "Ada L."})
    assert sdk.get_customer_by_id({"customerId": customer_id})["data"][0]["name"] == "Ada L."

    key = sdk.create_key({"productId": keymint_seed.product_id, "customerId": customer_id})["key"]
    keys = sdk.get_customer_with_keys({"customerId": customer_id})
    assert [k["key"] for k in keys] == [key]

    toggled = sdk.toggle_customer_status({"customerId": customer_id})
    assert toggled["active"] is False
    with pytest.raises(keymint.KeyMintApiError) as inactive:
        sdk.activate_key({**_ref(keymint_seed, key), "hostId": "h"})
    assert (inactive.value.status, inactive.value.code) == (403, 2)
    assert sdk.toggle_customer_status({"customerId": customer_id})["active"] is True

    assert sdk.delete_customer({"customerId": customer_id})["status"] is True
    with pytest.raises(keymint.KeyMintApiError) as gone:
        sdk.delete_customer({"customerId": customer_id})
    assert (gone.value.status, gone.value.code) == (404, 1)
    assert sdk.get_key(_ref(keymint_seed, key))["data"]["customer"] is None  # the key stays


def test_floating_checkout_heartbeat_checkin(
    sdk: keymint.KeyMint, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    key = sdk.create_key(
        {
            "productId": keymint_seed.product_id,
            "licenseType": "floating",
            "maxConcurrentSessions": 1,
            "heartbeatInterval": 60,
            "sessionLeaseDuration": 300,
        }
    )["key"]
    ref = _ref(keymint_seed, key)
    seat = sdk.floating_checkout({**ref, "hostId": "host-a"})
    assert len(seat["sessionId"]) == 22
    assert (seat["heartbeatInterval"], seat["currentSessions"], seat["maxSessions"]) == (60, 1, 1)

    with pytest.raises(keymint.KeyMintApiError) as full:
        sdk.floating_checkout({**ref, "hostId": "host-b"})
    assert (full.value.status, full.value.code) == (403, 2)
    assert "1 seats" in full.value.message

    def signed(nonce: str) -> dict[str, str]:
        signature = generate_session_signature(seat["sessionId"], nonce, seat["sessionSecret"])
        return {**ref, "sessionId": seat["sessionId"], "timestamp": nonce, "signature": signature}

    emulator_clock.advance(timedelta(seconds=60))
    beat = sdk.floating_heartbeat(signed(seat["nextNonce"]))
    assert beat["nextNonce"] != seat["nextNonce"]
    with pytest.raises(keymint.KeyMintApiError) as replayed:
        sdk.floating_heartbeat(signed(seat["nextNonce"]))
    assert (replayed.value.status, replayed.value.code) == (401, 1)

    assert sdk.floating_checkin(signed(beat["nextNonce"]))["code"] == 0
    with pytest.raises(keymint.KeyMintApiError) as ended:
        sdk.floating_heartbeat(signed(beat["nextNonce"]))
    assert (ended.value.status, ended.value.code) == (404, 1)
    assert sdk.floating_checkout({**ref, "hostId": "host-b"})["currentSessions"] == 1


def test_idempotent_replays(sdk: keymint.KeyMint, keymint_seed: Seed) -> None:
    request_id = str(uuid.uuid4())
    params = {"productId": keymint_seed.product_id, "maxActivations": "1"}
    first = sdk.create_key(params, idempotency_key=request_id)
    again = sdk.create_key(params, idempotency_key=request_id)
    assert again == first
    other = sdk.create_key(params, idempotency_key=str(uuid.uuid4()))
    assert other["key"] != first["key"]
    with pytest.raises(keymint.KeyMintApiError) as reused:
        sdk.create_key({**params, "maxActivations": "2"}, idempotency_key=request_id)
    assert (reused.value.status, reused.value.code) == (422, 1)
