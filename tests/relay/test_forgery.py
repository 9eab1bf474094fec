"""Answers that did not come from the relay for this request are never believed.

A fake relay on a real socket serves what an attacker could: a file signed with another key,
a genuine file altered, a genuine answer replayed for another computer or another request, a
Keymint-style file without a nonce issued long ago. The app's guard calls it like the relay:
each is "unreachable" (the app keeps its grace and its lease), never "valid".
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from license_guard.backends.keymint.signing import sign_offline_license
from license_guard.clock import SystemClock
from license_guard.emulator import Seed
from license_guard.errors import InvalidResponseError
from license_guard.guard import LicenseGuard
from license_guard.relay.keys import SigningKey
from license_guard.status import LicenseState
from tests.relay.conftest import RelayProcess, StartRelay

Guards = Callable[..., LicenseGuard]


class FakeRelay:
    """Answers every POST with ``self.answer`` (a JSON-able object)."""

    def __init__(self) -> None:
        self.answer: Any = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.dumps(fake.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_relay() -> Iterator[FakeRelay]:
    fake = FakeRelay()
    yield fake
    fake.close()


def _genuine(relay: RelayProcess, seed: Seed, host_id: str, nonce: str) -> dict[str, Any]:
    """A real answer of the real relay, for one request."""
    answer = httpx.post(
        relay.url + "/v1/activate",
        json={
            "productId": seed.product_id,
            "licenseKey": seed.license_key,
            "hostId": host_id,
            "nonce": nonce,
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _altered(signed_file: str, **claims: object) -> str:
    header, payload, signature = json.loads(signed_file)["signedKey"].split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return json.dumps({"signedKey": f"{header}.{forged}.{signature}"})


@pytest.fixture
def activated(
    start_relay: StartRelay, relayed_guards: Guards, seed: Seed, fake_relay: FakeRelay
) -> tuple[RelayProcess, LicenseGuard, LicenseGuard]:
    """A real relay, a guard activated through it, and the same app pointed at the fake."""
    relay = start_relay()
    real = relayed_guards(relay.url, [relay.public_pem])
    real.activate(seed.license_key)
    fooled = relayed_guards(fake_relay.url, [relay.public_pem], activation_timeout=3.0)
    return relay, real, fooled


def _refused(guard: LicenseGuard) -> None:
    before = guard.store.load()
    with pytest.raises(InvalidResponseError):
        guard.revalidate()
    assert guard.store.load() == before  # nothing it said was kept
    assert guard.status().state in (LicenseState.ACTIVE, LicenseState.GRACE)


def test_a_file_signed_by_another_key_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed, fake_relay: FakeRelay
) -> None:
    _, real, fooled = activated
    attacker = SigningKey.generate()
    now = SystemClock().now()
    fake_relay.answer = {
        "license": sign_offline_license(
            attacker.private_bytes,
            product_id=seed.product_id,
            machine_code=real.host_id,
            license_key=seed.license_key,
            expires_at=now + timedelta(days=3650),
            issued_at=now,
        )
    }
    _refused(fooled)


def test_a_file_naming_the_relays_key_but_signed_by_another_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed, fake_relay: FakeRelay
) -> None:
    relay, real, fooled = activated
    now = SystemClock().now()
    fake_relay.answer = {
        "license": sign_offline_license(
            SigningKey.generate().private_bytes,
            product_id=seed.product_id,
            machine_code=real.host_id,
            license_key=seed.license_key,
            expires_at=now + timedelta(days=3650),
            issued_at=now,
            kid=relay.kid,
        )
    }
    _refused(fooled)


def test_an_altered_genuine_file_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed, fake_relay: FakeRelay
) -> None:
    relay, real, fooled = activated
    genuine = _genuine(relay, seed, real.host_id, "a" * 22)
    fake_relay.answer = {"license": _altered(genuine["license"], exp=4_000_000_000)}
    _refused(fooled)


def test_a_genuine_answer_for_another_computer_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard],
    seed: Seed,
    fake_relay: FakeRelay,
    emulator: Any,
) -> None:
    relay, real, fooled = activated
    emulator.deactivate(seed.product_id, seed.license_key, real.host_id)
    fake_relay.answer = _genuine(relay, seed, "another-pc", "b" * 22)
    _refused(fooled)


def test_a_genuine_answer_replayed_for_a_later_request_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed, fake_relay: FakeRelay
) -> None:
    relay, real, fooled = activated
    # Captured while the key was good; replayed to answer a later check (after a block, say).
    fake_relay.answer = _genuine(relay, seed, real.host_id, "c" * 22)
    _refused(fooled)


def test_a_nonce_less_file_issued_long_ago_is_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard],
    seed: Seed,
    fake_relay: FakeRelay,
    signing_key_file: Any,
) -> None:
    _, real, fooled = activated
    key = SigningKey.from_file(signing_key_file)  # even with the relay's own key
    now = SystemClock().now()
    fake_relay.answer = {
        "license": sign_offline_license(
            key.private_bytes,
            product_id=seed.product_id,
            machine_code=real.host_id,
            license_key=seed.license_key,
            expires_at=now + timedelta(days=30),
            issued_at=now - timedelta(hours=1),
        )
    }
    _refused(fooled)


def test_an_answer_without_a_license_and_a_non_answer_are_refused(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], fake_relay: FakeRelay
) -> None:
    _, _, fooled = activated
    for answer in ({"valid": True}, {"license": "{}"}, {"license": "a.b.c"}, ["license"]):
        fake_relay.answer = answer
        _refused(fooled)


def test_a_lease_sealed_by_someone_who_can_seal_but_not_sign_is_not_trusted(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed
) -> None:
    """The client-sealed lease alone could be minted by anyone who knows the device and app
    (docs/threat-model.md); the relay's signature inside it cannot."""
    from license_guard._record import replace
    from license_guard.lease import lease_key, seal_lease

    _, real, _ = activated
    lease = real.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    forged = replace(lease, signed_data=_altered(lease.signed_data, exp=4_000_000_000))
    key = lease_key(real.identity.raw_id, app_id=real.app_id, product_id=seed.product_id)
    real.store.path.write_bytes(seal_lease(forged, key))
    assert real.status().state is not LicenseState.ACTIVE


def test_a_relayed_lease_without_its_signed_file_is_not_trusted(
    activated: tuple[RelayProcess, LicenseGuard, LicenseGuard], seed: Seed
) -> None:
    """Dropping the signed file (so nothing is left to verify) is no way around the signature:
    behind a relay, a lease without one was sealed by hand."""
    from license_guard._record import replace
    from license_guard.lease import lease_key, seal_lease

    _, real, _ = activated
    lease = real.store.load()
    assert lease is not None
    forged = replace(lease, signed_data=None, expires_at=None)
    key = lease_key(real.identity.raw_id, app_id=real.app_id, product_id=seed.product_id)
    real.store.path.write_bytes(seal_lease(forged, key))
    status = real.status()
    assert status.state is LicenseState.UNTRUSTED
    assert "no file signed by the vendor's licensing relay" in (status.detail or "")
