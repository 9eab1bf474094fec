"""Failures of the command as a real process: a broken config file, `emulator fault` turned away.

Each ends in one readable line on stderr (prefixed ``license-guard:``) and the exit code
docs/cli.md documents for it, never "Unexpected error" and exit 1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from license_guard.emulator import Emulator, EmulatorServer

ADMIN_SECRET = "adm_process-tests-secret"  # made up for the test
TOKEN = "at_DoNotEchoThisToken0000"  # made up; must never be echoed


def license_guard(tmp_path: Path, *argv: str, **environ: str) -> tuple[int, str]:
    """Run ``python -m license_guard *argv``; returns the exit code and stderr."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LICENSE_GUARD_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config-home")  # no config of this machine
    env.update(environ)
    result = subprocess.run(
        [sys.executable, "-m", "license_guard", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    return result.returncode, result.stderr


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("license-guard: ")
    assert "Unexpected error" not in lines[0]
    return lines[0]


def status_with(tmp_path: Path, config: bytes) -> tuple[int, str]:
    path = tmp_path / "license.ini"
    path.write_bytes(config)
    return license_guard(
        tmp_path,
        "status",
        "--config",
        str(path),
        "--app-id",
        "com.example.photoeditor",
        "--product-id",
        "prod_0123456789abcdefghij",
        "--data-dir",
        str(tmp_path / "lease"),
    )


def test_a_config_file_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    code, err = status_with(tmp_path, "[license-guard]\napp_id = café\n".encode("latin-1"))
    assert code == 2
    assert "is not UTF-8 text (line 2): save it as UTF-8" in one_line(err)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (f"access_token = {TOKEN}\n[license-guard]\n", "line 1 comes before the [license-guard]"),
        (
            f"[license-guard]\naccess_token = {TOKEN}\naccess_token = {TOKEN}\n",
            "access_token is set twice in [license-guard] (line 3)",
        ),
        ("[license-guard]\n[license-guard]\n", "[license-guard] appears twice (line 2)"),
        (
            f"[license-guard]\napp_id = x\n= {TOKEN}\n[x\n",
            "lines 3, 4 are neither a [section], a name = value, nor a comment",
        ),
    ],
    ids=["no-section", "duplicate-option", "duplicate-section", "unparsable-lines"],
)
def test_a_malformed_ini_is_one_line_naming_the_line(
    tmp_path: Path, config: str, words: str
) -> None:
    code, err = status_with(tmp_path, config.encode())
    assert code == 2
    line = one_line(err)
    assert "is not valid INI: " + words in line
    assert TOKEN not in line  # the line is named, never quoted: it may hold a token


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # Notepad writes one; the settings after it count.
    code, err = status_with(tmp_path, b"\xef\xbb\xbf[license-guard]\napp_id = from-file\n")
    assert code == 3, err  # read, and this computer is not activated


@pytest.fixture
def controlled() -> Iterator[EmulatorServer]:
    with (
        Emulator(admin_secret=ADMIN_SECRET) as emulator,
        EmulatorServer(emulator) as server,
    ):
        yield server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_emulator_fault_exit_codes(tmp_path: Path, controlled: EmulatorServer) -> None:
    env = {"LICENSE_GUARD_EMULATOR_ADMIN_TOKEN": ADMIN_SECRET}

    code, err = license_guard(
        tmp_path, "emulator", "fault", "--url", controlled.url, "clear", **env
    )
    assert (code, err) == (0, "")

    code, err = license_guard(
        tmp_path,
        "emulator",
        "fault",
        "--url",
        controlled.url,
        "clear",
        LICENSE_GUARD_EMULATOR_ADMIN_TOKEN="adm_wrong",
    )
    assert code == 2
    assert "refused the admin secret" in one_line(err)
    assert "adm_wrong" not in err

    for url in ("https://licensing.example.com", "http://10.0.0.1:8765", "http://[::1"):
        code, err = license_guard(tmp_path, "emulator", "fault", "--url", url, "clear", **env)
        assert code == 2, url
        assert "is not the emulator" in one_line(err)

    nobody = f"http://127.0.0.1:{_free_port()}"
    code, err = license_guard(tmp_path, "emulator", "fault", "--url", nobody, "clear", **env)
    assert code == 5
    assert f"no emulator answers at {nobody}" in one_line(err)

    code, err = license_guard(
        tmp_path, "emulator", "fault", "--url", controlled.url + "/nowhere", "clear", **env
    )
    assert code == 2
    assert "has no emulator control endpoint" in one_line(err)
