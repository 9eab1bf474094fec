"""The Keygen emulator itself: its signatures, its arithmetic, its answers and its fixtures."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from license_guard.clock import ManualClock
from license_guard.emulator import EmulatorServer
from license_guard.emulator.keygen import KeygenApiError, KeygenEmulator, KeygenSeed
from license_guard.emulator.keygen.documents import expiry_after
from license_guard.errors import InvalidResponseError
from license_guard.keygen import verify_response
from license_guard.testing import EMULATOR_EPOCH


def _post(client: httpx.Client, seed: KeygenSeed, path: str, **kwargs: object) -> httpx.Response:
    return client.post(f"/v1/accounts/{seed.account_id}{path}", **kwargs)  # type: ignore[arg-type]


def _verify(response: httpx.Response, seed: KeygenSeed, now: datetime) -> None:
    url = response.request.url
    verify_response(
        method=response.request.method,
        target=url.raw_path.decode(),
        host=url.host,
        headers=response.headers,
        body=response.content,
        public_key=seed.public_key,
        now=now,
    )


def test_importing_it_pulls_in_nothing_heavy() -> None:
    probe = (
        "import sys, license_guard\n"
        "before = set(sys.modules)\n"
        "import license_guard.emulator.keygen\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
        "{'httpx', 'httpcore'} or m.startswith('cryptography.hazmat.primitives.asymmetric')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ttl_arithmetic_matches_a_real_keygen_file() -> None:
    # csharp-license-files/examples_license.lic: ttl 31536000, issued and expiry as Keygen wrote.
    issued = datetime(2023, 8, 9, 16, 10, 2, 433000, tzinfo=timezone.utc)
    assert expiry_after(issued, 31536000) == datetime(
        2024, 8, 8, 20, 49, 56, 433000, tzinfo=timezone.utc
    )
    assert expiry_after(issued, 2629746) == datetime(
        2023, 9, 9, 16, 10, 2, 433000, tzinfo=timezone.utc
    )


def test_every_api_answer_is_signed_and_faults_are_not(
    keygen_emulator: KeygenEmulator, keygen_seed: KeygenSeed, emulator_clock: ManualClock
) -> None:
    with httpx.Client(transport=keygen_emulator.transport(), base_url="http://127.0.0.1") as c:
        found = _post(c, keygen_seed, "/licenses/actions/validate-key", json={"meta": {"key": "x"}})
        assert found.json()["meta"]["code"] == "NOT_FOUND"
        assert found.json()["data"] is None
        _verify(found, keygen_seed, emulator_clock.now())
        unknown = _post(c, keygen_seed, "/nothing/here?x=1")
        assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (404, "NOT_FOUND")
        _verify(unknown, keygen_seed, emulator_clock.now())
        anonymous = _post(c, keygen_seed, "/machines", json={})
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="keygen"'
        _verify(anonymous, keygen_seed, emulator_clock.now())
        other = c.post("/v1/accounts/another-account/machines")
        assert other.status_code == 404
        assert "Keygen-Signature" not in other.headers
        keygen_emulator.faults.rate_limit(retry_after=3, times=1)
        limited = _post(c, keygen_seed, "/licenses/actions/validate-key", json={})
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
        with pytest.raises(InvalidResponseError, match="unsigned"):
            _verify(limited, keygen_seed, emulator_clock.now())


def test_no_machine_or_no_machines_depends_on_the_policy(
    keygen_emulator: KeygenEmulator, keygen_seed: KeygenSeed
) -> None:
    node_locked = keygen_emulator.create_policy(keygen_seed.product_id, max_machines=1)
    codes = {}
    with httpx.Client(transport=keygen_emulator.transport(), base_url="http://127.0.0.1") as c:
        for name, policy in (("floating", keygen_seed.policy_id), ("node-locked", node_locked)):
            key = keygen_emulator.create_license(policy).key
            meta = {"key": key, "scope": {"fingerprint": "fp"}}
            answer = _post(c, keygen_seed, "/licenses/actions/validate-key", json={"meta": meta})
            codes[name] = answer.json()["meta"]["code"]
    assert codes == {"floating": "NO_MACHINES", "node-locked": "NO_MACHINE"}


def test_python_api_refusals_are_the_endpoints(keygen_emulator: KeygenEmulator) -> None:
    seed = keygen_emulator.stored_seed()
    assert seed is not None
    keygen_emulator.activate_machine(seed.license_key, "fp-1")
    with pytest.raises(KeygenApiError) as taken:
        keygen_emulator.activate_machine(seed.license_key, "fp-1")
    assert (taken.value.status, taken.value.code) == (422, "FINGERPRINT_TAKEN")
    with pytest.raises(KeygenApiError, match="was not found"):
        keygen_emulator.machine_file(seed.license_key, "fp-2")
    with pytest.raises(KeygenApiError, match="3600"):
        keygen_emulator.machine_file(seed.license_key, "fp-1", ttl=60)
    with pytest.raises(ValueError, match="at least 1"):
        keygen_emulator.create_policy(seed.product_id, max_machines=0)
    assert seed.license_key not in repr(keygen_emulator.license(seed.license_key))
    assert seed.license_key not in repr(seed)


def test_plugin_fixtures_fit_together(
    emulator_clock: ManualClock,
    keygen_emulator: KeygenEmulator,
    keygen_seed: KeygenSeed,
    keygen_server: EmulatorServer,
    keygen_transport: httpx.BaseTransport,
) -> None:
    assert emulator_clock.now() == EMULATOR_EPOCH
    assert keygen_emulator.clock is emulator_clock
    assert keygen_seed.public_key == keygen_emulator.public_key
    with httpx.Client(base_url=keygen_server.url) as client:
        over_socket = _post(
            client,
            keygen_seed,
            "/licenses/actions/validate-key",
            json={"meta": {"key": keygen_seed.license_key, "nonce": 7}},
        )
    _verify(over_socket, keygen_seed, emulator_clock.now())
    assert over_socket.json()["meta"] == {
        "ts": "2030-01-15T09:00:00.000Z",
        "valid": True,
        "detail": "is valid",
        "code": "VALID",
        "nonce": 7,
    }
    emulator_clock.advance(timedelta(minutes=6))
    with httpx.Client(transport=keygen_transport, base_url="http://127.0.0.1") as client:
        later = _post(client, keygen_seed, "/licenses/actions/validate-key", json={})
    assert later.status_code == 400
    _verify(later, keygen_seed, emulator_clock.now())
    assert len(keygen_emulator.request_log) == 2
    assert keygen_emulator.request_log[0].token == "<none>"
