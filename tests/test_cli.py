"""The `license-guard` command for the guard: settings, output, exit codes, real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from license_guard.cli import main
from license_guard.emulator import Emulator, EmulatorServer, Seed

APP_ID = "com.example.photoeditor"


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a real ~/.config/license-guard/config.ini of this machine out of these tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))


@pytest.fixture
def environ(live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path) -> dict[str, str]:
    _, seed, server = live_keymint
    return {
        "LICENSE_GUARD_APP_ID": APP_ID,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
        "LICENSE_GUARD_BASE_URL": server.url,
        "LICENSE_GUARD_DATA_DIR": str(tmp_path / "lease"),
        "LICENSE_GUARD_CONFIG": str(tmp_path / "absent-is-fine-when-unset.ini"),
    }


def run(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], *argv: str
) -> tuple[int, str, str]:
    env = {k: v for k, v in environ.items() if k != "LICENSE_GUARD_CONFIG"}
    code = main(list(argv), environ=env)
    out, err = capsys.readouterr()
    return code, out, err


def test_activate_status_release(
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
) -> None:
    emulator, seed, _ = live_keymint
    code, out, _ = run(capsys, environ, "status")
    assert code == 3
    assert "not_activated" in out

    code, out, err = run(capsys, environ, "activate", seed.license_key, "--device-tag", "Desk")
    assert (code, err) == (0, "")
    assert "Activated." in out
    assert "Device:       Desk" in out
    assert seed.license_key not in out
    assert "…" + seed.license_key[-4:] in out

    code, out, _ = run(capsys, environ, "status", "--json")
    status = json.loads(out)
    assert code == 0
    assert status["state"] == "active"
    assert status["licensed"] is True
    assert re.fullmatch(r".*/license-[0-9a-f]{12}\.lease", status["lease_file"])

    code, out, _ = run(capsys, environ, "release")
    assert (code, out) == (0, "Seat released.\n")
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 0
    code, out, _ = run(capsys, environ, "release")
    assert (code, out) == (0, "Nothing to release on this computer.\n")


def test_fingerprint_matches_the_guard(
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
) -> None:
    _, seed, _ = live_keymint
    code, out, _ = run(capsys, environ, "fingerprint", "--json")
    fingerprint = json.loads(out)
    assert code == 0
    assert len(fingerprint["host_id"]) == 64
    run(capsys, environ, "activate", seed.license_key)
    _, out, _ = run(capsys, environ, "status", "--json")
    assert json.loads(out)["host_id"] == fingerprint["host_id"]


def test_errors_are_one_line_with_documented_exit_codes(
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
) -> None:
    emulator, seed, _ = live_keymint
    code, _, err = run(capsys, environ, "activate", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")
    assert code == 4
    assert err.count("\n") == 1
    assert err.startswith("license-guard: This license key is not valid")

    emulator.faults.reset()
    code, _, err = run(capsys, environ, "activate", seed.license_key)
    assert code == 5
    assert "Traceback" not in err
    emulator.faults.clear()

    bad_token = {**environ, "LICENSE_GUARD_ACCESS_TOKEN": "at_" + "x" * 40}
    code, _, err = run(capsys, bad_token, "activate", seed.license_key)
    assert code == 2
    assert "access token" in err
    assert "x" * 40 not in err

    missing = {k: v for k, v in environ.items() if k != "LICENSE_GUARD_PRODUCT_ID"}
    code, _, err = run(capsys, missing, "status")
    assert code == 2
    assert "product_id (--product-id or LICENSE_GUARD_PRODUCT_ID)" in err


def test_release_offline_explains_the_way_out(
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
) -> None:
    emulator, seed, _ = live_keymint
    run(capsys, environ, "activate", seed.license_key)
    emulator.faults.reset()
    code, _, err = run(capsys, environ, "release")
    assert code == 5
    assert "lease was kept" in err
    assert "free host ID" in err
    emulator.faults.clear()
    assert run(capsys, environ, "status")[0] == 0


def test_settings_from_a_config_file_and_flags(
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
    tmp_path: Path,
) -> None:
    _, seed, server = live_keymint
    config = tmp_path / "license.ini"
    config.write_text(
        "[license-guard]\n"
        f"app_id = {APP_ID}\n"
        f"product_id = {seed.product_id}\n"
        f"base_url = {server.url}\n"
        f"access_token = {seed.access_token}\n"
        f"data_dir = {tmp_path / 'from-config'}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, {}, "--debug", "activate", seed.license_key, "--config", str(config))
    assert code == 0, err
    assert list((tmp_path / "from-config").glob("license-*.lease"))
    # A flag beats the file.
    code, _, _ = run(
        capsys, {}, "status", "--config", str(config), "--data-dir", str(tmp_path / "elsewhere")
    )
    assert code == 3


def test_a_broken_config_file_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "license.ini"
    config.write_text("[license-guard]\napp_id = x\ncolour = blue\n", encoding="utf-8")
    code, _, err = run(capsys, {}, "status", "--config", str(config))
    assert code == 2
    assert "unknown settings: colour" in err
    code, _, err = run(capsys, {}, "status", "--config", str(tmp_path / "missing.ini"))
    assert code == 2
    assert "Cannot read the config file" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_a_real_process_reads_the_key_from_stdin(
    environ: dict[str, str], live_keymint: tuple[Emulator, Seed, EmulatorServer]
) -> None:
    emulator, seed, _ = live_keymint
    result = subprocess.run(
        [sys.executable, "-m", "license_guard", "activate"],
        input=seed.license_key + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **{k: v for k, v in environ.items() if k != "LICENSE_GUARD_CONFIG"}},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 1
    status = subprocess.run(
        [sys.executable, "-m", "license_guard", "status"],
        capture_output=True,
        text=True,
        env={**os.environ, **{k: v for k, v in environ.items() if k != "LICENSE_GUARD_CONFIG"}},
        check=False,
        timeout=60,
    )
    assert status.returncode == 0
    assert "License:      active" in status.stdout


def test_the_demo_runs_and_leaves_nothing_behind(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "license_guard", "demo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for sign in ("grace", "LicenseBlockedError", "seat freed: True", "0 of 2 seats in use"):
        assert sign in result.stdout
    assert "unexpected" not in result.stdout
    assert list(scratch.iterdir()) == []


def test_a_reader_that_goes_away_is_not_an_error(
    environ: dict[str, str], live_keymint: tuple[Emulator, Seed, EmulatorServer]
) -> None:
    # `license-guard status | head -0`: the pipe is closed before the command writes.
    process = subprocess.Popen(
        [sys.executable, "-m", "license_guard", "status"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **{k: v for k, v in environ.items() if k != "LICENSE_GUARD_CONFIG"}},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) in (0, 3)  # the status's own exit code, not a crash
    assert "Unexpected error" not in err
    assert "Traceback" not in err


def test_activate_help_lists_every_environment_variable_it_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["activate", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines anywhere
    for variable in (
        "LICENSE_GUARD_APP_ID",
        "LICENSE_GUARD_PRODUCT_ID",
        "LICENSE_GUARD_BASE_URL",
        "LICENSE_GUARD_ACCESS_TOKEN",
        "LICENSE_GUARD_DATA_DIR",
        "LICENSE_GUARD_DEVICE_ID",
        "LICENSE_GUARD_BACKEND",
        "LICENSE_GUARD_KEYGEN_ACCOUNT",
        "LICENSE_GUARD_KEYGEN_PUBLIC_KEY",
        "LICENSE_GUARD_FEATURES",
        "LICENSE_GUARD_OFFLINE_ACTIVATION",
        "LICENSE_GUARD_CONFIG",
        "HTTPS_PROXY",
        "SSL_CERT_FILE",
    ):
        assert variable in help_text
    assert "LICENSE_GUARD_ADMIN_TOKEN" not in help_text  # the admin commands' own
