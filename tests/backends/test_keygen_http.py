"""The whole Keygen flow over real HTTP on 127.0.0.1, and what a cached-lease start imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from license_guard import (
    FeatureNotLicensedError,
    InvalidResponseError,
    KeygenBackend,
    LicenseGuard,
    LicenseState,
)
from license_guard.clock import ManualClock, SystemClock
from license_guard.emulator import EmulatorServer
from license_guard.emulator.keygen import HeartbeatStatus, KeygenEmulator
from license_guard.testing.harness import KeygenHarness

from .conftest import api_calls

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(keygen: KeygenHarness) -> Iterator[EmulatorServer]:
    with EmulatorServer(keygen.emulator) as server:
        yield server


def test_the_keygen_flow_over_http(
    keygen: KeygenHarness, served: EmulatorServer, clock: ManualClock
) -> None:
    emulator = keygen.emulator
    policy = emulator.create_policy(
        keygen.seed.product_id, max_machines=2, entitlements=("export-4k",), require_heartbeat=True
    )
    key = emulator.create_license(policy).key

    def guard() -> LicenseGuard:
        return keygen.make_guard(backend=keygen.backend(base_url=served.url, transport=None))

    first = guard()
    assert first.activate(key, device_tag="Studio PC").state is LicenseState.ACTIVE
    host = first.host_id
    assert [path for _, path in api_calls(keygen)][-1].endswith("/actions/ping")

    emulator.clear_request_log()  # an offline start: the signed lease alone
    restarted = guard()
    assert restarted.ensure_activated().features == {"export-4k"}
    assert restarted.require("export-4k").check() is None
    assert isinstance(restarted.require("batch").check(), FeatureNotLicensedError)
    assert emulator.request_log == []

    clock.advance(timedelta(minutes=8))
    assert restarted.heartbeat() == timedelta(minutes=9, seconds=30)
    assert emulator.heartbeat_status(key, host) is HeartbeatStatus.ALIVE
    assert restarted.revalidate().state is LicenseState.ACTIVE

    assert restarted.release() is True
    assert emulator.machines(key) == []
    assert api_calls(keygen)[-1] == ("DELETE", f"/machines/{host}")
    assert all(record.status in (200, 201, 204) for record in emulator.request_log)


def test_an_impostor_server_cannot_activate_over_http(keygen: KeygenHarness) -> None:
    impostor = KeygenEmulator(clock=keygen.clock)
    seed = impostor.seed()
    impostor.create_license(seed.policy_id, key=keygen.license_key)
    with EmulatorServer(impostor) as server:
        backend = keygen.backend(
            account=seed.account_id, product=seed.product_id, base_url=server.url, transport=None
        )
        guard = keygen.make_guard(backend=backend)
        with pytest.raises(InvalidResponseError, match="not genuine"):
            guard.activate(keygen.license_key)
    assert impostor.request_log[0].status == 200  # it did answer "valid", and was not believed
    assert not guard.store.path.exists()


GUARD_SCRIPT = """
import json, sys
from license_guard import KeygenBackend, LicenseGuard
url, account, public_key, product, folder = sys.argv[1:6]
guard = LicenseGuard(
    app_id="com.example.photoeditor",
    backend=KeygenBackend(account=account, public_key=public_key, product=product, base_url=url),
    data_dir=folder,
)
status = guard.ensure_activated()
heavy = sorted(m for m in ("httpx", "httpcore", "ssl") if m in sys.modules)
print(json.dumps({"state": status.state.value, "features": sorted(status.features),
                  "imported": heavy}))
"""


def test_a_cached_lease_start_imports_no_network_stack(tmp_path: Path) -> None:
    emulator = KeygenEmulator(clock=SystemClock())
    seed = emulator.seed()
    with EmulatorServer(emulator) as server:
        args = [server.url, seed.account_id, seed.public_key, seed.product_id]
        backend = KeygenBackend(
            account=seed.account_id,
            public_key=seed.public_key,
            product=seed.product_id,
            base_url=server.url,
        )
        guard = LicenseGuard(app_id="com.example.photoeditor", backend=backend, data_dir=tmp_path)
        guard.activate(seed.license_key)
        guard.close()
        emulator.clear_request_log()
        result = subprocess.run(
            [sys.executable, "-c", GUARD_SCRIPT, *args, str(tmp_path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "state": "active",
        "features": ["export-4k"],
        "imported": [],
    }
    assert emulator.request_log == []
