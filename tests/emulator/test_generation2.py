"""Generation 2 over a real socket: error rows, the order of the checks, floating leases,
idempotency edges, and the switches for the readings the documents leave open."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed


def _answer(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    return response.status_code, body["code"], body["message"]


@pytest.fixture
def v2(client: httpx.Client) -> httpx.Client:
    return client


def _floating_key(client: httpx.Client, seed: Seed, seats: int = 1) -> dict[str, str]:
    key = client.post(
        "/key",
        json={
            "productId": seed.product_id,
            "licenseType": "floating",
            "maxConcurrentSessions": seats,
        },
    ).json()["key"]
    return {"productId": seed.product_id, "licenseKey": key}


def _signed(seat: dict[str, Any], ref: dict[str, str], nonce: str) -> dict[str, str]:
    message = f"{seat['sessionId']}:{nonce}".encode()
    signature = hmac.new(seat["sessionSecret"].encode(), message, hashlib.sha256).hexdigest()
    return {**ref, "sessionId": seat["sessionId"], "timestamp": nonce, "signature": signature}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/key/nothing", (404, 1, "Unknown endpoint /key/nothing")),
        ("PUT", "/key", (405, 1, "Method PUT not allowed")),
        ("GET", "/key/sign", (405, 1, "Method GET not allowed")),
    ],
)
def test_routing_refusals(
    v2: httpx.Client, method: str, path: str, expected: tuple[int, int, str]
) -> None:
    response = v2.request(method, path, json={})
    assert _answer(response) == expected


def test_405_names_the_allowed_methods(v2: httpx.Client) -> None:
    assert v2.put("/key", json={}).headers["Allow"] == "DELETE, GET, PATCH, POST"


def test_token_checks_come_before_the_body(anonymous: httpx.Client) -> None:
    assert _answer(anonymous.post("/key", content=b"not json")) == (
        401,
        1,
        "Missing Authorization header",
    )
    bad = anonymous.post("/key", content=b"x", headers={"Authorization": "Bearer at_nope"})
    assert _answer(bad) == (401, 1, "Invalid access token")


def test_admin_scope_comes_before_the_body(v2: httpx.Client) -> None:
    assert _answer(v2.post("/key/sign", content=b"not json")) == (
        403,
        1,
        "Insufficient permissions for this operation",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, (400, 1, "Missing required params")),
        (
            {"maxActivations": "five"},
            (400, 1, 'Invalid maxActivations: expected a numeric string such as "5"'),
        ),
        (
            {"customerId": "cust_x", "newCustomer": {"name": "N"}},
            (400, 1, "Cannot specify both customerId and newCustomer"),
        ),
        ({"customerId": "cust_unknown"}, (400, 1, "Customer not found")),
        (
            {"licenseType": "site"},
            (400, 1, 'Invalid licenseType: expected "node-locked" or "floating"'),
        ),
        (
            {"licenseType": "floating"},
            (400, 1, "Invalid params: a floating license needs maxConcurrentSessions"),
        ),
        (
            {"licenseType": "floating", "maxConcurrentSessions": 1, "heartbeatInterval": 30},
            (400, 1, "Invalid heartbeatInterval: expected an integer from 60 to 86400"),
        ),
        (
            {"maxConcurrentSessions": 2},
            (400, 1, 'Invalid params: floating fields need licenseType "floating"'),
        ),
    ],
)
def test_create_key_refusals(
    v2: httpx.Client, keymint_seed: Seed, body: dict[str, Any], expected: tuple[int, int, str]
) -> None:
    if body:
        body = {"productId": keymint_seed.product_id, **body}
    assert _answer(v2.post("/key", json=body)) == expected


def test_a_token_of_another_product_is_refused_after_the_field_checks(
    keymint_emulator: Emulator, keymint_server: EmulatorServer, keymint_seed: Seed
) -> None:
    other = keymint_emulator.create_access_token(keymint_emulator.create_product("Other"))
    headers = {"Authorization": f"Bearer {other}"}
    with httpx.Client(base_url=keymint_server.url, headers=headers) as client:
        assert _answer(client.post("/key", json={}))[2] == "Missing required params"
        refused = client.post("/key", json={"productId": keymint_seed.product_id})
        assert _answer(refused) == (401, 1, "Invalid access token")


def test_get_key_reads_the_header_or_the_query(v2: httpx.Client, keymint_seed: Seed) -> None:
    query = {"productId": keymint_seed.product_id}
    by_header = v2.get("/key", params=query, headers={"x-license-key": keymint_seed.license_key})
    by_query = v2.get("/key", params={**query, "licenseKey": keymint_seed.license_key})
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    assert _answer(v2.get("/key", params=query)) == (400, 1, "Missing required params")


def test_amount_keys_and_format(v2: httpx.Client, keymint_seed: Seed) -> None:
    answer = v2.post(
        "/key",
        json={
            "productId": keymint_seed.product_id,
            "amountKeys": "3",
            "format": {"sections": 2, "sectionLength": 4, "prefix": "PRO-", "charset": "AB"},
        },
    ).json()
    assert len(answer["keys"]) == 3
    assert answer["key"] == answer["keys"][0]
    assert all(len(k) == len("PRO-ABAB-BABA") and k.startswith("PRO-") for k in answer["keys"])


def test_all_seats_taken_names_the_count(v2: httpx.Client, keymint_seed: Seed) -> None:
    ref = _floating_key(v2, keymint_seed, seats=2)
    for host in ("a", "b"):
        assert v2.post("/key/checkout", json={**ref, "hostId": host}).status_code == 200
    assert _answer(v2.post("/key/checkout", json={**ref, "hostId": "c"})) == (
        403,
        2,
        "Maximum concurrent sessions reached: all 2 seats are in use",
    )


def test_the_same_host_checking_out_again_keeps_one_seat(
    v2: httpx.Client, keymint_seed: Seed
) -> None:
    ref = _floating_key(v2, keymint_seed, seats=1)
    first = v2.post("/key/checkout", json={**ref, "hostId": "a"}).json()
    second = v2.post("/key/checkout", json={**ref, "hostId": "a"}).json()
    assert second["currentSessions"] == 1
    old = v2.post("/key/heartbeat", json=_signed(first, ref, first["nextNonce"]))
    assert _answer(old) == (404, 1, "Session not found or expired")


def test_a_lapsed_lease_frees_the_seat(
    v2: httpx.Client, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    ref = _floating_key(v2, keymint_seed, seats=1)
    seat = v2.post("/key/checkout", json={**ref, "hostId": "a"}).json()
    emulator_clock.advance(timedelta(seconds=299))
    assert v2.post("/key/checkout", json={**ref, "hostId": "b"}).status_code == 403
    emulator_clock.advance(timedelta(seconds=1))
    assert v2.post("/key/checkout", json={**ref, "hostId": "b"}).status_code == 200
    late = v2.post("/key/heartbeat", json=_signed(seat, ref, seat["nextNonce"]))
    assert _answer(late) == (404, 1, "Session not found or expired")


def test_heartbeat_extends_the_lease(
    v2: httpx.Client, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    ref = _floating_key(v2, keymint_seed, seats=1)
    seat = v2.post("/key/checkout", json={**ref, "hostId": "a"}).json()
    assert seat["expiresAt"] == "2030-01-15T09:05:00.000Z"
    emulator_clock.advance(timedelta(seconds=200))
    beat = v2.post("/key/heartbeat", json=_signed(seat, ref, seat["nextNonce"])).json()
    assert beat["expiresAt"] == "2030-01-15T09:08:20.000Z"
    emulator_clock.advance(timedelta(seconds=200))  # past the first lease, inside the second
    assert v2.post("/key/checkout", json={**ref, "hostId": "b"}).status_code == 403


def test_a_bad_signature_is_refused_and_leaves_the_session(
    v2: httpx.Client, keymint_seed: Seed
) -> None:
    ref = _floating_key(v2, keymint_seed)
    seat = v2.post("/key/checkout", json={**ref, "hostId": "a"}).json()
    forged = {**_signed(seat, ref, seat["nextNonce"]), "signature": "0" * 64}
    assert _answer(v2.post("/key/heartbeat", json=forged)) == (
        401,
        1,
        "Invalid session signature",
    )
    good = v2.post("/key/checkin", json=_signed(seat, ref, seat["nextNonce"]))
    assert good.status_code == 200


def test_an_idempotent_replay_has_no_second_effect(
    v2: httpx.Client, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    ref = {"productId": keymint_seed.product_id, "licenseKey": keymint_seed.license_key}
    headers = {"Idempotency-Key": "retry-1"}
    first = v2.post("/key/deactivate", json=ref, headers=headers)
    assert first.status_code == 403  # nothing to deactivate: refusals are not stored
    keymint_emulator.activate(keymint_seed.product_id, keymint_seed.license_key, "h1")
    done = v2.post("/key/deactivate", json=ref, headers=headers)
    keymint_emulator.activate(keymint_seed.product_id, keymint_seed.license_key, "h2")
    again = v2.post("/key/deactivate", json=ref, headers=headers)
    assert (again.status_code, again.content) == (done.status_code, done.content)
    assert again.headers["Idempotent-Replayed"] == "true"
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert [d["host_id"] for d in info["license"]["devices"]] == ["h2"]
    reused = v2.post("/key/block", json=ref, headers=headers)
    assert _answer(reused) == (
        422,
        1,
        "Idempotency-Key was already used with a different request",
    )


def test_gen1_create_key_takes_max_activations(client: httpx.Client, keymint_seed: Seed) -> None:
    body = {"productId": keymint_seed.product_id, "maxActivations": "2"}
    key = client.post("/create-key", json=body).json()["key"]
    ref = {"productId": keymint_seed.product_id, "licenseKey": key}
    assert client.post("/get-key", json=ref).json()["data"]["license"]["usage_limit"] == 2
    both = client.post("/create-key", json={**body, "usesPerKey": "2"})
    assert _answer(both) == (400, 1, "Invalid params: give usesPerKey or maxActivations, not both")


@pytest.mark.parametrize(
    ("spelling", "fields"),
    [
        ("usage_limit", {"usage_limit"}),
        ("max_activations", {"max_activations"}),
        ("both", {"usage_limit", "max_activations"}),
    ],
)
def test_gen1_limit_field_switch(
    emulator_clock: ManualClock, spelling: Any, fields: set[str]
) -> None:
    with Emulator(clock=emulator_clock, gen1_limit_field=spelling) as emu:
        seed = emu.seed(uses_per_key=3)
        license_data = emu.key_info(seed.product_id, seed.license_key)["license"]
        assert {"usage_limit", "max_activations"} & set(license_data) == fields
        assert all(license_data[name] == 3 for name in fields)


@pytest.mark.parametrize(
    ("expired_as_invalid", "expected"),
    [(False, (403, 2, "License expired")), (True, (404, 1, "Invalid license key"))],
)
def test_expired_key_switch(
    emulator_clock: ManualClock, expired_as_invalid: bool, expected: tuple[int, int, str]
) -> None:
    with Emulator(clock=emulator_clock, expired_as_invalid=expired_as_invalid) as emu:
        seed = emu.seed()
        emulator_clock.advance(timedelta(days=32))
        headers = {"Authorization": f"Bearer {seed.access_token}"}
        body = {"productId": seed.product_id, "licenseKey": seed.license_key, "hostId": "h"}
        with httpx.Client(transport=emu.transport(), base_url="http://127.0.0.1") as client:
            for path in ("/activate-key", "/key/activate"):
                assert _answer(client.post(path, json=body, headers=headers)) == expected


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Emulator(db) as emu:
        seed = emu.seed()
    with sqlite3.connect(db) as connection:  # what version 1 had: no sessions table, version 1
        connection.execute("DROP TABLE sessions")
        connection.execute("DROP TABLE idempotent_answers")
        for column in ("max_sessions", "heartbeat_interval", "lease_duration", "metadata",
                       "version_id", "allowed_hosts"):  # fmt: skip
            connection.execute(f"ALTER TABLE license_keys DROP COLUMN {column}")
        connection.execute("ALTER TABLE access_tokens DROP COLUMN admin")
        connection.execute("PRAGMA user_version = 1")
    with Emulator(db) as emu:
        assert emu.stored_seed() == seed
        assert emu.key_info(seed.product_id, seed.license_key)["license"]["usage_limit"] == 5
        assert emu.admin_token().startswith("at_")
