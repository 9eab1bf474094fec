"""The examples run as shipped, against the emulator over a real socket."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from license_guard.emulator import Emulator, EmulatorServer, Seed

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_activates_then_starts_offline_from_the_lease(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    env = {
        **os.environ,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
        "LICENSE_GUARD_BASE_URL": server.url,
        "XDG_DATA_HOME": str(tmp_path),  # where platformdirs puts the lease on Linux
    }
    script = str(ROOT / "examples" / "quickstart.py")

    first = subprocess.run(
        [sys.executable, script], env=env, capture_output=True, text=True, check=False
    )
    assert first.returncode == 3
    assert "Not activated" in first.stdout

    second = subprocess.run(
        [sys.executable, script, seed.license_key],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    assert "holiday.png exported in 4K" in second.stdout
    assert list((tmp_path / "com.example.photoeditor").glob("license-*.lease"))

    emulator.clear_request_log()
    third = subprocess.run(
        [sys.executable, script], env=env, capture_output=True, text=True, check=False
    )
    assert third.returncode == 0, third.stderr
    assert emulator.request_log == []  # a fresh lease: no network at all
