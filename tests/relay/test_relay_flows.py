"""An app with no Keymint token, through a real relay process, in front of the emulator."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable

import httpx
import pytest

from license_guard.backends.keymint.offline import verify_offline_license
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, Seed
from license_guard.errors import (
    LicenseBlockedError,
    LicenseUnreachableError,
)
from license_guard.guard import LicenseGuard
from license_guard.status import LicenseState
from tests.relay.conftest import StartRelay

Guards = Callable[..., LicenseGuard]


def _kid(signed_file: str) -> str:
    import base64

    header = json.loads(signed_file)["signedKey"].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def test_activation_validation_and_deactivation_go_through_the_relay(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay()
    guard = relayed_guards(relay.url, [relay.public_pem])

    activated = guard.activate(seed.license_key, device_tag="Studio PC")
    assert activated.state is LicenseState.ACTIVE
    assert activated.licensee_name == "Demo Customer"
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 1
    lease = guard.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    assert _kid(lease.signed_data) == relay.kid

    checked = guard.revalidate()
    assert checked.state is LicenseState.ACTIVE

    assert guard.release() is True
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 0
    assert guard.status().state is LicenseState.NOT_ACTIVATED


def test_the_relay_never_saw_the_token_leave(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay()
    guard = relayed_guards(relay.url, [relay.public_pem])
    guard.activate(seed.license_key)
    assert "access_token" not in repr(guard.backend)
    # Keymint saw the relay's token on every call: the app had none to send.
    assert {record.token for record in emulator.request_log} == {"…" + seed.access_token[-4:]}


def test_a_blocked_key_is_refused_at_the_next_check(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay()
    guard = relayed_guards(relay.url, [relay.public_pem])
    guard.activate(seed.license_key)
    emulator.block_key(seed.product_id, seed.license_key)
    with pytest.raises(LicenseBlockedError):
        guard.revalidate()
    assert guard.status().state is LicenseState.DENIED


def test_the_relay_down_leaves_the_app_in_grace(
    start_relay: StartRelay, relayed_guards: Guards, seed: Seed
) -> None:
    relay = start_relay()
    guard = relayed_guards(relay.url, [relay.public_pem], activation_timeout=3.0)
    guard.activate(seed.license_key)
    code, _, _ = relay.stop()
    assert code == 0
    with pytest.raises(LicenseUnreachableError):
        guard.revalidate()
    assert guard.status().state in (LicenseState.ACTIVE, LicenseState.GRACE)


@pytest.mark.parametrize("fault", ["server_error", "hang", "reset"])
def test_keymint_down_behind_the_relay_is_unreachable_and_the_app_keeps_its_grace(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed, fault: str
) -> None:
    relay = start_relay("--upstream-timeout", "1")
    guard = relayed_guards(relay.url, [relay.public_pem], activation_timeout=6.0)
    guard.activate(seed.license_key)
    getattr(emulator.faults, fault)()
    try:
        with pytest.raises(LicenseUnreachableError):
            guard.revalidate()
    finally:
        emulator.faults.clear()
    assert guard.status().state in (LicenseState.ACTIVE, LicenseState.GRACE)
    assert guard.revalidate().state is LicenseState.ACTIVE  # and back when Keymint is


def test_keymint_down_is_answered_503_unreachable(
    start_relay: StartRelay, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay("--upstream-timeout", "1")
    emulator.faults.server_error(502)
    answer = httpx.post(
        relay.url + "/v1/validate",
        json={
            "productId": seed.product_id,
            "licenseKey": seed.license_key,
            "hostId": "pc-1",
            "nonce": "n" * 22,
        },
        timeout=10,
    )
    assert answer.status_code == 503
    assert answer.json()["reason"] == "unreachable"
    assert seed.access_token not in answer.text


def test_relay_signed_files_pass_keymints_own_verifier(
    start_relay: StartRelay, relayed_guards: Guards, seed: Seed
) -> None:
    import keymint

    relay = start_relay()
    guard = relayed_guards(relay.url, [relay.public_pem])
    guard.activate(seed.license_key)
    lease = guard.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    checked = keymint.verify_offline_license(
        lease.signed_data,
        public_keys=[relay.public_pem],
        product_id=seed.product_id,
        machine_code=guard.host_id,
    )
    assert checked.license_key == seed.license_key
    ours = verify_offline_license(
        lease.signed_data,
        public_keys=[relay.public_pem],
        product_id=seed.product_id,
        machine_code=guard.host_id,
        now=SystemClock().now(),
    )
    assert ours.expires_at == checked.expires_at


def test_health_and_nothing_else(start_relay: StartRelay, emulator: Emulator, seed: Seed) -> None:
    relay = start_relay()
    assert httpx.get(relay.url + "/healthz", timeout=5).json() == {"status": "ok"}
    body = {"productId": seed.product_id, "licenseKey": seed.license_key}
    for path in ("/key/block", "/block-key", "/v1/block", "/key", "/v1/sign", "/_emulator/faults"):
        assert httpx.post(relay.url + path, json=body, timeout=5).status_code == 404
    assert httpx.get(relay.url + "/v1/validate", timeout=5).status_code == 405
    assert emulator.request_log == []


def _call(url: str, **fields: object) -> httpx.Response:
    return httpx.post(url + "/v1/validate", json=fields, timeout=10)


def test_requests_are_checked_before_anything_is_forwarded(
    start_relay: StartRelay, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay("--max-body", "1024")
    good = {
        "productId": seed.product_id,
        "licenseKey": seed.license_key,
        "hostId": "pc-1",
        "nonce": "n" * 22,
    }
    other_product = _call(relay.url, **{**good, "productId": "prod_" + "x" * 20})
    assert other_product.status_code == 400
    assert other_product.json()["reason"] == "bad_request"
    assert _call(relay.url, **{**good, "nonce": "short"}).status_code == 400
    assert _call(relay.url, **{**good, "hostId": "h" * 65}).status_code == 400
    huge = httpx.post(relay.url + "/v1/validate", content=b"{" + b" " * 5000 + b"}", timeout=10)
    assert huge.status_code == 413
    not_json = httpx.post(relay.url + "/v1/validate", content=b"<html>", timeout=10)
    assert not_json.status_code == 400
    assert emulator.request_log == []


def test_rates_are_limited_per_client_and_per_key(
    start_relay: StartRelay, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay("--rate-per-key", "0.01", "--burst-per-key", "2")
    body = {
        "productId": seed.product_id,
        "licenseKey": seed.license_key,
        "hostId": "pc-1",
        "nonce": "n" * 22,
    }
    statuses = [_call(relay.url, **body).status_code for _ in range(3)]
    assert statuses[:2] == [403, 403]  # not activated on pc-1: Keymint's answer, passed on
    limited = _call(relay.url, **body)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    per_ip = start_relay("--rate-per-ip", "0.01", "--burst-per-ip", "1")
    assert _call(per_ip.url, **body).status_code != 429
    assert _call(per_ip.url, **body).status_code == 429


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_relay_stops_cleanly(start_relay: StartRelay, sig: int) -> None:
    relay = start_relay()
    code, out, err = relay.stop(sig)
    assert code == 0, err
    assert "Relay stopped." in out
    assert "Traceback" not in err


def test_logs_hold_no_key_or_token(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    admin = emulator.admin_token()
    relay = start_relay(
        "--access-log",
        "--api-generation",
        "2",
        env={"LICENSE_GUARD_RELAY_ADMIN_TOKEN": admin},
    )
    guard = relayed_guards(relay.url, [relay.public_pem, emulator.public_key_pem])
    guard.activate(seed.license_key)
    emulator.block_key(seed.product_id, seed.license_key)
    with pytest.raises(LicenseBlockedError):
        guard.revalidate()
    code, out, err = relay.stop()
    assert code == 0
    assert "POST /v1/validate" in err  # the access log is on
    for secret in (seed.license_key, seed.access_token, admin):
        assert secret not in out
        assert secret not in err


def test_keymint_signs_when_the_relay_holds_an_admin_token(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay(
        "--api-generation", "2", env={"LICENSE_GUARD_RELAY_ADMIN_TOKEN": emulator.admin_token()}
    )
    guard = relayed_guards(relay.url, [relay.public_pem, emulator.public_key_pem])
    guard.activate(seed.license_key)
    assert guard.revalidate().state is LicenseState.ACTIVE
    lease = guard.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    assert _kid(lease.signed_data) != relay.kid  # Keymint's key signed it
    assert any(record.path == "/key/sign" for record in emulator.request_log)


def test_without_keymint_signing_on_generation_1_the_relay_signs(
    start_relay: StartRelay, relayed_guards: Guards, emulator: Emulator, seed: Seed
) -> None:
    relay = start_relay(env={"LICENSE_GUARD_RELAY_ADMIN_TOKEN": emulator.admin_token()})
    guard = relayed_guards(relay.url, [relay.public_pem])
    guard.activate(seed.license_key)
    lease = guard.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    assert _kid(lease.signed_data) == relay.kid
