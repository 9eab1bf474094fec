"""``license-guard release`` as an uninstaller runs it: a real process, its exit code, its words.

The settings come from a config file next to the app, as docs/uninstall.md recommends, and the
licensing server is the emulator on a real socket.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed

LICENSE_GUARD = Path(sys.executable).with_name("license-guard")
APP_ID = "com.example.photoviewer"


@pytest.fixture
def emulator() -> Iterator[tuple[Emulator, Seed]]:
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed(uses_per_key=2)
    yield emulator, seed
    emulator.close()


@pytest.fixture
def server(emulator: tuple[Emulator, Seed]) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator[0]) as server:
        yield server


@pytest.fixture
def config(emulator: tuple[Emulator, Seed], server: EmulatorServer, tmp_path: Path) -> Path:
    return write_config(tmp_path, emulator[1], server.url)


def write_config(folder: Path, seed: Seed, url: str) -> Path:
    """The INI file a vendor installs beside the app (token included: it is product-scoped)."""
    config = folder / "license.ini"
    config.write_text(
        "[license-guard]\n"
        f"app_id = {APP_ID}\n"
        f"product_id = {seed.product_id}\n"
        f"base_url = {url}\n"
        f"access_token = {seed.access_token}\n"
        f"data_dir = {folder / 'data'}\n",
        encoding="utf-8",
    )
    return config


def license_guard(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LICENSE_GUARD_")}
    return subprocess.run(
        [str(LICENSE_GUARD), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        check=False,
    )


def activate(config: Path, seed: Seed) -> None:
    completed = license_guard("activate", "--config", str(config), stdin=seed.license_key + "\n")
    assert completed.returncode == 0, completed.stderr


def seats(emulator: Emulator, seed: Seed) -> list[str]:
    devices = emulator.key_info(seed.product_id, seed.license_key)["license"]["devices"]
    return [device["host_id"] for device in devices]


def test_the_command_is_installed() -> None:
    assert LICENSE_GUARD.is_file()


def test_online_release_frees_the_seat_and_removes_the_lease(
    emulator: tuple[Emulator, Seed], config: Path, tmp_path: Path
) -> None:
    emu, seed = emulator
    activate(config, seed)
    assert len(seats(emu, seed)) == 1
    emu.clear_request_log()

    released = license_guard("release", "--config", str(config))

    assert (released.returncode, released.stdout, released.stderr) == (0, "Seat released.\n", "")
    assert seats(emu, seed) == []
    assert [(r.path, r.status) for r in emu.request_log] == [("/deactivate-key", 200)]
    assert not list((tmp_path / "data").glob("license-*.lease"))


def test_nothing_to_release_is_success_without_a_network_call(
    emulator: tuple[Emulator, Seed], config: Path
) -> None:
    released = license_guard("release", "--config", str(config))

    assert released.returncode == 0
    assert released.stdout == "Nothing to release on this computer.\n"
    assert emulator[0].request_log == []


def test_offline_release_keeps_the_seat_and_names_the_way_out(
    emulator: tuple[Emulator, Seed], server: EmulatorServer, config: Path, tmp_path: Path
) -> None:
    emu, seed = emulator
    activate(config, seed)
    server.stop()  # offline: the port is closed

    released = license_guard("release", "--config", str(config))

    assert released.returncode == 5
    assert released.stdout == ""
    (line,) = released.stderr.splitlines()  # one line an installer can log
    host_id = license_guard("fingerprint", "--config", str(config)).stdout.strip()
    assert line == (
        f"license-guard: Cannot connect to the licensing server at {server.url}: check the "
        "connection. The seat is still taken and the lease was kept: run this again when "
        f"online, or ask the vendor to free host ID {host_id}."
    )
    assert seats(emu, seed) == [host_id]
    assert list((tmp_path / "data").glob("license-*.lease"))
    assert seed.license_key not in released.stderr

    # The vendor's way out: free that host ID on their side (dashboard, admin tool)...
    emu.deactivate(seed.product_id, seed.license_key, host_id)
    assert seats(emu, seed) == []
    # ...and a later run, once online, finds nothing left to free and cleans up.
    with EmulatorServer(emu, port=server.port) as back_online:  # the same server, reachable
        config = write_config(tmp_path, seed, back_online.url)
        again = license_guard("release", "--config", str(config))
    assert (again.returncode, again.stdout) == (0, "Nothing to release on this computer.\n")
    assert not list((tmp_path / "data").glob("license-*.lease"))


def test_a_missing_setting_is_a_usage_error(tmp_path: Path) -> None:
    released = license_guard("release", "--app-id", APP_ID, "--data-dir", str(tmp_path))
    assert released.returncode == 2
    assert released.stderr.startswith("license-guard: Missing settings: product_id")


def test_a_damaged_lease_is_exit_6_with_the_host_id_and_the_seat_not_freed(
    emulator: tuple[Emulator, Seed], config: Path, tmp_path: Path
) -> None:
    emu, seed = emulator
    activate(config, seed)
    host_id = license_guard("fingerprint", "--config", str(config)).stdout.strip()
    (lease,) = (tmp_path / "data").glob("license-*.lease")
    damaged = bytearray(lease.read_bytes())
    damaged[-3] ^= 0x01  # one byte of the seal's tag
    lease.write_bytes(bytes(damaged))

    released = license_guard("release", "--config", str(config))

    assert released.returncode == 6, released.stdout
    assert released.stdout == ""
    (line,) = released.stderr.splitlines()
    assert "The seat it held was not freed" in line
    assert f"ask the vendor to free host ID {host_id}." in line
    assert seats(emu, seed) == [host_id]  # as the message says: still taken
    assert list((tmp_path / "data").glob("license-*.lease.bad-*"))  # kept for support
