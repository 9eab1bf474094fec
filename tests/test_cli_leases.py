"""What the `license-guard` command does to a lease it finds, run as a real process.

A read-only command never moves, deletes or rewrites a lease; a lease that does not fit the
settings it runs with is reported, not destroyed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from license_guard import KeymintBackend, LicenseGuard
from license_guard._record import replace
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.emulator.keygen import KeygenEmulator, KeygenSeed
from license_guard.lease import lease_key, open_lease, seal_lease

LICENSE_GUARD = Path(sys.executable).with_name("license-guard")
APP_ID = "com.example.photoeditor"
# Nothing listens on port 9 of the loopback: an air-gapped computer's view of the server.
NOWHERE = "http://127.0.0.1:9"


def license_guard(
    *argv: str, environ: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LICENSE_GUARD_")}
    return subprocess.run(
        [str(LICENSE_GUARD), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**inherited, **environ},
        check=False,
    )


def keygen_environ(seed: KeygenSeed, data_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "LICENSE_GUARD_APP_ID": APP_ID,
        "LICENSE_GUARD_BACKEND": "keygen",
        "LICENSE_GUARD_KEYGEN_ACCOUNT": seed.account_id,
        "LICENSE_GUARD_KEYGEN_PUBLIC_KEY": seed.public_key,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_BASE_URL": NOWHERE,
        "LICENSE_GUARD_DATA_DIR": str(data_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config-home"),  # no config file of this machine
    }


def test_status_reports_an_air_gapped_lease_it_does_not_accept_and_leaves_it(
    tmp_path: Path,
) -> None:
    emulator = KeygenEmulator(clock=SystemClock())
    seed = emulator.seed()
    data_dir = tmp_path / "data"
    environ = keygen_environ(seed, data_dir, tmp_path)
    host_id = license_guard("fingerprint", environ=environ).stdout.strip()
    emulator.activate_machine(seed.license_key, host_id)  # the vendor, told the host ID
    machine_file = tmp_path / "photoeditor.lic"
    machine_file.write_text(emulator.machine_file(seed.license_key, host_id), encoding="utf-8")
    offline = {**environ, "LICENSE_GUARD_OFFLINE_ACTIVATION": "yes"}
    activated = license_guard(
        "activate", seed.license_key, "--file", str(machine_file), environ=offline
    )
    assert activated.returncode == 0, activated.stderr
    (lease,) = data_dir.glob("license-*.lease")
    before = lease.read_bytes()

    plain = license_guard("status", environ=environ)  # without the offline setting

    assert plain.returncode == 6, plain.stdout + plain.stderr
    assert "untrusted" in plain.stdout
    assert "offline activation is off" in plain.stdout
    assert "activate again" not in plain.stdout
    assert "does not use another seat" not in plain.stdout
    assert lease.read_bytes() == before  # neither moved, nor rewritten
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(
        p.name for p in data_dir.iterdir() if not p.name.startswith(lease.name + ".bad-")
    )
    # With the settings it was made under, the same lease is as good as ever.
    again = license_guard("status", environ=offline)
    assert again.returncode == 0, again.stdout
    assert "active" in again.stdout


def test_status_never_moves_a_damaged_lease(tmp_path: Path) -> None:
    emulator = KeygenEmulator(clock=SystemClock())
    seed = emulator.seed()
    data_dir = tmp_path / "data"
    environ = {
        **keygen_environ(seed, data_dir, tmp_path),
        "LICENSE_GUARD_OFFLINE_ACTIVATION": "yes",
    }
    host_id = license_guard("fingerprint", environ=environ).stdout.strip()
    emulator.activate_machine(seed.license_key, host_id)
    machine_file = tmp_path / "photoeditor.lic"
    machine_file.write_text(emulator.machine_file(seed.license_key, host_id), encoding="utf-8")
    assert (
        license_guard(
            "activate", seed.license_key, "--file", str(machine_file), environ=environ
        ).returncode
        == 0
    )
    (lease,) = data_dir.glob("license-*.lease")
    damaged = bytearray(lease.read_bytes())
    damaged[20] ^= 0x01
    lease.write_bytes(bytes(damaged))

    status = license_guard("status", environ=environ)

    assert status.returncode == 6
    assert "untrusted" in status.stdout
    assert "left where it is" in status.stdout
    assert lease.read_bytes() == bytes(damaged)
    assert not list(data_dir.glob("*.bad-*"))


# The vendor's app, started as its own process: its backend declares what it grants.
APP = """
import json, sys
from license_guard import KeymintBackend, LicenseError, LicenseGuard
product_id, base_url, data_dir = sys.argv[1:4]
backend = KeymintBackend(product_id=product_id, access_token="at_shipped-in-the-app",
                         base_url=base_url, features={"export-4k"})
guard = LicenseGuard(app_id="com.example.photoeditor", backend=backend, data_dir=data_dir)
try:
    status = guard.ensure_activated()
except LicenseError as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
    raise SystemExit(1)
try:
    with guard.require("export-4k"):
        export = "allowed"
except LicenseError as error:
    export = type(error).__name__
print(json.dumps({"state": status.state.value, "export-4k": export,
                  "next_check": status.next_check_at.isoformat()}))
"""


def start_app(product_id: str, base_url: str, data_dir: Path) -> dict[str, str]:
    """One start of the app; its report as a dict."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LICENSE_GUARD_")}
    completed = subprocess.run(
        [sys.executable, "-c", APP, product_id, base_url, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=inherited,
        check=False,
    )
    assert completed.stderr == "", completed.stderr
    report: dict[str, str] = json.loads(completed.stdout)
    assert completed.returncode == (1 if "error" in report else 0)
    return report


def keymint_environ(seed: Seed, url: str, data_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "LICENSE_GUARD_APP_ID": APP_ID,
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
        "LICENSE_GUARD_BASE_URL": url,
        "LICENSE_GUARD_DATA_DIR": str(data_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config-home"),
    }


def test_an_activation_by_the_command_grants_what_the_app_declares(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    data_dir = tmp_path / "data"
    environ = keymint_environ(seed, server.url, data_dir, tmp_path)  # no LICENSE_GUARD_FEATURES
    activated = license_guard("activate", seed.license_key, environ=environ)
    assert activated.returncode == 0, activated.stderr
    emulator.clear_request_log()

    report = start_app(seed.product_id, server.url, data_dir)

    assert (report["state"], report["export-4k"]) == ("active", "allowed")
    assert emulator.request_log == []  # from the lease alone, no check needed for that


def test_a_keymint_lease_resealed_as_air_gapped_is_refused(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    data_dir = tmp_path / "data"
    environ = keymint_environ(seed, server.url, data_dir, tmp_path)
    assert license_guard("activate", seed.license_key, environ=environ).returncode == 0
    # The cheater's ten lines: this machine's raw ID, the public KDF, the public seal.
    identity = LicenseGuard(
        app_id=APP_ID,
        backend=KeymintBackend(product_id=seed.product_id, access_token="at_unused"),
        data_dir=data_dir,
    ).identity
    key = lease_key(identity.raw_id, app_id=APP_ID, product_id=seed.product_id)
    (path,) = data_dir.glob("license-*.lease")
    forged = replace(open_lease(path.read_bytes(), key), air_gapped=True)
    path.write_bytes(seal_lease(forged, key))
    emulator.clear_request_log()

    report = start_app(seed.product_id, server.url, data_dir)

    assert report.get("error") == "LeaseError", report  # not active with "next check" in 9999
    assert "cannot be" in report["message"]


def test_the_device_id_variable_and_config_cannot_make_a_copied_lease_open(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    # Machine A (its raw ID given by the app's own code) activates; its lease is copied to this
    # computer, machine B, whose user knows A's raw ID.
    data_dir = tmp_path / "data"
    machine_a = LicenseGuard(
        app_id=APP_ID,
        backend=KeymintBackend(
            product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
        ),
        data_dir=data_dir,
        device_id="raw-id-of-machine-a",
    )
    machine_a.activate(seed.license_key)
    (lease,) = data_dir.glob("license-*.lease")
    copied = lease.read_bytes()
    environ = keymint_environ(seed, server.url, data_dir, tmp_path)

    by_variable = license_guard(
        "status",
        "--online",
        environ={**environ, "LICENSE_GUARD_DEVICE_ID": "raw-id-of-machine-a"},
    )
    # B's own identity: A's lease does not open, and the online check set it aside.
    assert by_variable.returncode == 3, by_variable.stdout
    assert "not_activated" in by_variable.stdout
    assert "LICENSE_GUARD_DEVICE_ID is ignored" in by_variable.stderr
    lease.write_bytes(copied)

    config = tmp_path / "config-home" / "license-guard" / "config.ini"  # read by itself
    config.parent.mkdir(parents=True)
    config.write_text("[license-guard]\ndevice_id = raw-id-of-machine-a\n", encoding="utf-8")
    by_file = license_guard("status", "--online", environ=environ)
    assert by_file.returncode == 2
    assert "sets device_id" in by_file.stderr
    config.unlink()
    assert [
        d["host_id"]
        for d in emulator.key_info(seed.product_id, seed.license_key)["license"]["devices"]
    ] == [machine_a.host_id]

    # An explicit flag still works, as the app's own override does, and says what it does.
    by_flag = license_guard("status", "--device-id", "raw-id-of-machine-a", environ=environ)
    assert by_flag.returncode == 0, by_flag.stdout
    assert "warning: using the device ID given with --device-id" in by_flag.stderr


def test_a_lease_minted_by_a_fake_server_does_not_unlock_the_app(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    # The cheater's own emulator, holding the vendor's product id and a key of their making.
    _emulator, seed, fake = live_keymint
    data_dir = tmp_path / "data"  # the app's data folder
    environ = keymint_environ(seed, fake.url, data_dir, tmp_path)
    activated = license_guard("activate", seed.license_key, environ=environ)
    assert activated.returncode == 0, activated.stderr

    # The vendor's app talks to the vendor's https server (never reached here: the lease alone
    # decides a start, and a refused lease is refused before any request).
    report = start_app(seed.product_id, "https://api.keymint.dev", data_dir)

    assert report.get("error") == "LeaseMismatchError", report
    assert f"another licensing server (keymint {fake.url})" in report["message"]
    assert list(data_dir.glob("license-*.lease"))  # reported, not destroyed
    # The guard of the server it did come from (plain-http loopback, tests only) takes it.
    assert start_app(seed.product_id, fake.url, data_dir)["state"] == "active"
