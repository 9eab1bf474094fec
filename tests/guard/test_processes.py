"""Real processes: concurrent activation, and what a cached-lease start imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from license_guard import KeymintBackend, LicenseGuard, LicenseState
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.store import lease_file_stem

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "com.example.photoeditor"

GUARD_SCRIPT = f"""
import json, sys, time
from license_guard import KeymintBackend, LicenseGuard
url, product, folder, start_at, action = sys.argv[1:6]
token = sys.stdin.readline().strip()
key = sys.stdin.readline().strip()
guard = LicenseGuard(
    app_id={APP_ID!r},
    backend=KeymintBackend(product_id=product, access_token=token, base_url=url),
    data_dir=folder,
)
while time.time() < float(start_at):
    pass
if action == "activate":
    status = guard.activate(key)
else:
    status = guard.ensure_activated()
heavy = sorted(m for m in ("httpx", "httpcore", "psutil", "ssl") if m in sys.modules)
print(json.dumps({{"state": status.state.value, "imported": heavy}}))
"""


def _start(
    server: EmulatorServer, seed: Seed, folder: Path, *, start_at: float, action: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            GUARD_SCRIPT,
            server.url,
            seed.product_id,
            str(folder),
            str(start_at),
            action,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdin is not None
    process.stdin.write(f"{seed.access_token}\n{seed.license_key}\n")  # never on argv
    process.stdin.close()
    return process


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    assert process.stdout is not None
    assert process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    return process.wait(timeout=60), out, err


@pytest.mark.slow
def test_eight_processes_activating_at_once_end_with_one_lease_and_one_seat(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    start_at = time.time() + 2.0  # every process spins until the same instant
    processes = [
        _start(server, seed, tmp_path, start_at=start_at, action="activate") for _ in range(8)
    ]
    results = []
    for process in processes:
        code, out, err = _finish(process)
        assert code == 0, err
        results.append(json.loads(out))
    assert {r["state"] for r in results} == {"active"}
    license_data = emulator.key_info(seed.product_id, seed.license_key)["license"]
    assert license_data["activations"] == 1
    assert len(license_data["devices"]) == 1
    guard = LicenseGuard(
        app_id=APP_ID,
        backend=KeymintBackend(
            product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
        ),
        data_dir=tmp_path,
    )
    assert guard.status().state is LicenseState.ACTIVE
    stem = lease_file_stem(seed.product_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.lease", f"{stem}.lock"]


def test_a_cached_lease_start_imports_no_network_stack(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    guard = LicenseGuard(
        app_id=APP_ID,
        backend=KeymintBackend(
            product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
        ),
        data_dir=tmp_path,
    )
    guard.activate(seed.license_key)
    emulator.clear_request_log()
    process = _start(server, seed, tmp_path, start_at=0, action="ensure")
    code, out, err = _finish(process)
    assert code == 0, err
    result = json.loads(out)
    assert result == {"state": "active", "imported": []}
    assert emulator.request_log == []
