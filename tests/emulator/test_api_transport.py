"""keymint-api.md "Transport" and "Errors" over a real socket: routing, auth, bodies, headers."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

ENDPOINTS = [
    "/create-key",
    "/activate-key",
    "/get-key",
    "/deactivate-key",
    "/block-key",
    "/unblock-key",
]
INVALID_TOKEN = {"message": "Invalid access token", "code": 1}


def test_date_header_follows_the_emulator_clock(
    client: httpx.Client, key_ref: dict[str, str], emulator_clock: ManualClock
) -> None:
    first = client.post("/get-key", json=key_ref)
    assert parsedate_to_datetime(first.headers["Date"]) == emulator_clock.now().replace(
        microsecond=0
    )
    emulator_clock.advance(timedelta(days=40, seconds=7))
    later = client.post("/get-key", json={})  # errors carry it too
    assert later.status_code == 400
    assert parsedate_to_datetime(later.headers["Date"]) == emulator_clock.now().replace(
        microsecond=0
    )
    assert later.headers["Date"].endswith(" GMT")


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("POST", "/no-such-endpoint", 404, None),
        ("GET", "/get-key", 405, "POST"),
        ("PUT", "/activate-key", 405, "POST"),
    ],
)
def test_unknown_paths_and_wrong_methods_answer_json_errors(
    client: httpx.Client, method: str, path: str, status: int, allow: str | None
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == 1
    assert isinstance(response.json()["message"], str)
    assert response.headers.get("Allow") == allow


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer at_not-a-token-this-emulator-issued",
        "Bearer two words",
    ],
)
@pytest.mark.parametrize("path", ENDPOINTS)
def test_missing_malformed_or_unknown_tokens_get_401(
    anonymous: httpx.Client, key_ref: dict[str, str], path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = anonymous.post(path, json=key_ref, headers=headers)
    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_the_bearer_scheme_is_case_insensitive(
    anonymous: httpx.Client, keymint_seed: Seed, key_ref: dict[str, str]
) -> None:
    headers = {"Authorization": f"bearer {keymint_seed.access_token}"}
    response = anonymous.post("/get-key", json=key_ref, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_token_scoped_to_another_product_gets_401(
    client: httpx.Client,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    path: str,
) -> None:
    other_product = keymint_emulator.create_product("Other App")
    other_token = keymint_emulator.create_access_token(other_product)
    body = {
        "productId": keymint_seed.product_id,
        "licenseKey": keymint_seed.license_key,
        "hostId": "host-1",
    }
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {other_token}"})
    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)
    # The key was left alone.
    assert (
        keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)["license"][
            "activations"
        ]
        == 0
    )


def test_a_global_token_may_act_on_every_product(
    client: httpx.Client, keymint_emulator: Emulator, key_ref: dict[str, str]
) -> None:
    global_token = keymint_emulator.create_access_token(None)
    other_product = keymint_emulator.create_product("Other App")
    headers = {"Authorization": f"Bearer {global_token}"}
    assert client.post("/get-key", json=key_ref, headers=headers).status_code == 200
    created = client.post("/create-key", json={"productId": other_product}, headers=headers)
    assert created.status_code == 200


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe", b'{"productId": '],
)
def test_bodies_that_are_not_json_objects_get_400(client: httpx.Client, content: bytes) -> None:
    response = client.post(
        "/get-key", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Request body must be a JSON object", "code": 1}


def test_auth_is_checked_before_the_body(anonymous: httpx.Client) -> None:
    response = anonymous.post("/get-key", content=b"not json")
    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_an_oversized_body_is_refused(client: httpx.Client) -> None:
    response = client.post("/get-key", content=b"{" + b" " * 70_000 + b"}")
    assert response.status_code == 413
    assert response.json()["code"] == 1


def test_a_broken_database_answers_the_documented_500(
    client: httpx.Client, keymint_emulator: Emulator, key_ref: dict[str, str]
) -> None:
    keymint_emulator.close()  # the store is gone: every lookup now fails inside the server
    response = client.post("/get-key", json=key_ref)
    assert (response.status_code, response.json()) == (500, {"message": "Server error", "code": 1})
    assert "Date" in response.headers
