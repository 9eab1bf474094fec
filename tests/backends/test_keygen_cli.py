"""The command line with the Keygen backend: settings, and activation from a vendor's file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from license_guard.cli import main
from license_guard.clock import SystemClock
from license_guard.emulator.keygen import KeygenEmulator, KeygenSeed

# Nothing listens on port 9 of the loopback: an air-gapped computer's view of the server.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def live_seed() -> KeygenSeed:
    """A Keygen emulator on the real clock: the CLI runs on this machine's clock."""
    return KeygenEmulator(clock=SystemClock()).seed()


def _environ(seed: KeygenSeed, data_dir: Path) -> dict[str, str]:
    return {
        "LICENSE_GUARD_APP_ID": "com.example.photoeditor",
        "LICENSE_GUARD_BACKEND": "keygen",
        "LICENSE_GUARD_OFFLINE_ACTIVATION": "yes",
        "LICENSE_GUARD_KEYGEN_ACCOUNT": seed.account_id,
        "LICENSE_GUARD_KEYGEN_PUBLIC_KEY": seed.public_key,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_BASE_URL": NOWHERE,
        "LICENSE_GUARD_DATA_DIR": str(data_dir),
    }


def test_activate_from_a_machine_file_then_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = KeygenEmulator(clock=SystemClock())
    seed = emulator.seed()
    environ = _environ(seed, tmp_path / "data")
    assert main(["fingerprint"], environ=environ) == 0
    host_id = capsys.readouterr().out.strip()
    emulator.activate_machine(seed.license_key, host_id)  # the vendor, told the host ID
    machine_file = tmp_path / "photoeditor.lic"
    machine_file.write_text(emulator.machine_file(seed.license_key, host_id), encoding="utf-8")

    code = main(["activate", seed.license_key, "--file", str(machine_file)], environ=environ)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("Activated from the license file. Licensed from a signed license file")
    assert "Next check" not in out  # there is no server to check with
    assert seed.license_key not in out
    assert main(["status", "--json"], environ=environ) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["state"], status["features"]) == ("active", ["export-4k"])


def test_a_file_that_cannot_be_read_or_trusted(
    tmp_path: Path, live_seed: KeygenSeed, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = _environ(live_seed, tmp_path)
    missing = tmp_path / "missing.lic"
    assert main(["activate", live_seed.license_key, "--file", str(missing)], environ=environ) == 7
    garbage = tmp_path / "garbage.lic"
    garbage.write_text("-----BEGIN MACHINE FILE-----\nAAAA\n-----END MACHINE FILE-----\n")
    assert main(["activate", live_seed.license_key, "--file", str(garbage)], environ=environ) == 6
    errors = capsys.readouterr().err
    assert "missing.lic" in errors
    assert "corrupt" in errors


def test_keygen_settings_are_named_when_missing(
    tmp_path: Path, live_seed: KeygenSeed, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = _environ(live_seed, tmp_path)
    del environ["LICENSE_GUARD_KEYGEN_ACCOUNT"]
    assert main(["status"], environ=environ) == 2
    assert "LICENSE_GUARD_KEYGEN_ACCOUNT" in capsys.readouterr().err
    environ["LICENSE_GUARD_BACKEND"] = "keyring"
    assert main(["status"], environ=environ) == 2
    assert "Unknown backend" in capsys.readouterr().err


def test_the_config_file_chooses_the_backend(
    tmp_path: Path, live_seed: KeygenSeed, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "license.ini"
    config.write_text(
        "[license-guard]\n"
        "app_id = com.example.photoeditor\n"
        f"product_id = {live_seed.product_id}\n"
        "backend = keygen\n"
        f"account = {live_seed.account_id}\n"
        f"public_key = {live_seed.public_key}\n"
        f"base_url = {NOWHERE}\n"
        f"data_dir = {tmp_path / 'data'}\n",
        encoding="utf-8",
    )
    assert main(["--debug", "status", "--config", str(config)], environ={}) == 3
    assert "not activated" in capsys.readouterr().out


def test_a_file_with_the_keymint_backend_is_a_configuration_error(
    tmp_path: Path, live_seed: KeygenSeed, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = _environ(live_seed, tmp_path)
    environ.update(
        LICENSE_GUARD_BACKEND="keymint",
        LICENSE_GUARD_ACCESS_TOKEN="at_not-used-before-the-file-is-refused",
        LICENSE_GUARD_PRODUCT_ID="prod_0123456789abcdefghij",
    )
    file = tmp_path / "license.lic"
    file.write_text("-----BEGIN LICENSE FILE-----\n-----END LICENSE FILE-----\n")
    assert main(["activate", "ABCDE-ABCDE-ABCDE-ABCDE", "--file", str(file)], environ=environ) == 2
    assert "cannot activate from a file" in capsys.readouterr().err
