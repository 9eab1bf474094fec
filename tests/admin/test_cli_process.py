"""`license-guard admin` as a real process on a real socket: keys read from stdin, never argv,
and free-all's question answered on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from license_guard.emulator import Emulator, EmulatorServer, Seed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environ(
    keymint_server: EmulatorServer, keymint_seed: Seed, admin_token: str, tmp_path: Path
) -> dict[str, str]:
    config = tmp_path / "config.ini"
    config.write_text(
        f"[license-guard]\nadmin_token = {admin_token}\nproduct_id = {keymint_seed.product_id}\n",
        encoding="utf-8",
    )
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LICENSE_GUARD_")}
    return {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "LICENSE_GUARD_CONFIG": str(config),
        "LICENSE_GUARD_BASE_URL": keymint_server.url,
    }


def _admin(environ: dict[str, str], *argv: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "license_guard", "admin", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def test_show_key_reads_the_key_from_stdin(
    environ: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.activate(
        keymint_seed.product_id, keymint_seed.license_key, "host-1", device_tag="Laptop"
    )
    result = _admin(environ, "show-key", "-", stdin=keymint_seed.license_key + "\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert "Seats:     1 of 5 taken" in result.stdout
    assert "  Laptop  host-1   127.0.0.1  2030-01-15 09:00 UTC" in result.stdout
    assert keymint_seed.license_key not in result.stdout


def test_free_all_asks_first(
    environ: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    keymint_emulator.activate(product, key, "host-1")
    keymint_emulator.activate(product, key, "host-2")

    declined = _admin(environ, "free-all", "-", stdin=f"{key}\nn\n")
    assert declined.returncode == 2
    assert "Free all 2 seat(s) of key …" in declined.stderr
    assert "(Demo Customer)? Each device must be activated again. [y/N]" in declined.stderr
    assert "Not confirmed: nothing was freed" in declined.stderr
    assert keymint_emulator.key_info(product, key)["license"]["activations"] == 2

    no_answer = _admin(environ, "free-all", "-", stdin=f"{key}\n")
    assert no_answer.returncode == 2
    assert keymint_emulator.key_info(product, key)["license"]["activations"] == 2

    confirmed = _admin(environ, "free-all", "-", stdin=f"{key}\ny\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert confirmed.stdout == f"Freed all 2 seat(s) of key …{key[-4:]}.\n"
    assert keymint_emulator.key_info(product, key)["license"]["activations"] == 0
