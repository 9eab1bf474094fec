"""examples/pyqt_app.py frozen with PyInstaller into a one-folder app behaves like the script.

The app is built once per run (about a minute on two cores: see docs/packaging.md; the
``frozen_app`` fixture of tests/conftest.py, shared with tests/relay) with nothing but
``pyinstaller`` and the hook license_guard ships. Both the script and the frozen executable
then run their scripted self-test headless against the same emulator on a real socket, and
must report the same steps and send the licensing server the same requests. The frozen app's
``license-guard`` subcommand, what an uninstaller runs, is checked on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from tests.conftest import EXAMPLE, NAME

pytestmark = [pytest.mark.slow, pytest.mark.freeze]


@pytest.fixture
def live() -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed(uses_per_key=2)
    with EmulatorServer(emulator) as server:
        yield emulator, seed, server
    emulator.close()


def _environ(seed: Seed, **extra: str) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LICENSE_GUARD_")  # nothing of the developer's own setup
    }
    environ.update(
        QT_QPA_PLATFORM="offscreen",
        LICENSE_GUARD_PRODUCT_ID=seed.product_id,
        LICENSE_GUARD_ACCESS_TOKEN=seed.access_token,
        **extra,
    )
    return environ


def _run(
    command: list[str], environ: Mapping[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(environ),
        check=False,
    )


def _self_test(
    command: list[str], server: EmulatorServer, seed: Seed, data_dir: Path
) -> dict[str, Any]:
    completed = _run(
        [*command, "--self-test", "--emulator-url", server.url, "--data-dir", str(data_dir)],
        _environ(seed),
        stdin=seed.license_key + "\n",
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report


def _requests(emulator: Emulator) -> list[tuple[str, int | None]]:
    requests = [(record.path, record.status) for record in emulator.request_log]
    emulator.clear_request_log()
    return requests


def test_the_build_used_the_hook_license_guard_ships(frozen_app: Path) -> None:
    # PyInstaller's cross-reference of the build lists every module it bundled. Nothing the
    # example imports reaches license_guard.keygen: only the shipped hook brings it in.
    xref = frozen_app.parents[2] / "work" / NAME / f"xref-{NAME}.html"
    bundled = xref.read_text(encoding="utf-8")
    assert "license_guard.backends.keygen.formats.dataset" in bundled
    assert "license_guard.testing" not in bundled


def test_the_frozen_app_activates_gates_and_releases_like_the_script(
    frozen_app: Path, live: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live

    script = _self_test([sys.executable, str(EXAMPLE)], server, seed, tmp_path / "script")
    script_requests = _requests(emulator)
    frozen = _self_test([str(frozen_app)], server, seed, tmp_path / "frozen")
    frozen_requests = _requests(emulator)

    assert (script["frozen"], frozen["frozen"]) == (False, True)
    assert script["ca_bundle"] is frozen["ca_bundle"] is True
    assert frozen["steps"] == script["steps"]
    assert frozen_requests == script_requests
    steps = {step["step"]: step for step in frozen["steps"]}
    assert steps["startup"]["error"] == "NotActivatedError"
    assert steps["startup"]["dialog"] is True
    assert steps["activate"]["state"] == "active"
    assert steps["grayscale"]["allowed"] is True
    assert steps["export-4k"]["exported"] == [3840, 2160]
    assert steps["batch-export"] == {
        "step": "batch-export",
        "allowed": False,
        "notice": "Not included in your license",
    }
    assert steps["release"]["released"] is True
    assert steps["export-4k after release"]["allowed"] is False
    assert ("/activate-key", 200) in frozen_requests
    assert ("/deactivate-key", 200) in frozen_requests
    assert emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"] == 0


def test_the_frozen_app_frees_its_seat_for_an_uninstaller(
    frozen_app: Path, live: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live
    environ = _environ(
        seed, LICENSE_GUARD_BASE_URL=server.url, LICENSE_GUARD_DATA_DIR=str(tmp_path)
    )

    def seats() -> int:
        return int(emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"])

    activated = _run([str(frozen_app), "license-guard", "activate"], environ, seed.license_key)
    assert activated.returncode == 0, activated.stderr
    assert seats() == 1

    released = _run([str(frozen_app), "license-guard", "release"], environ)
    assert (released.returncode, released.stdout.strip()) == (0, "Seat released.")
    assert seats() == 0

    again = _run([str(frozen_app), "license-guard", "release"], environ)
    assert (again.returncode, again.stdout.strip()) == (0, "Nothing to release on this computer.")

    reactivated = _run([str(frozen_app), "license-guard", "activate"], environ, seed.license_key)
    assert reactivated.returncode == 0, reactivated.stderr
    server.stop()  # the computer is offline while it is being uninstalled
    offline = _run([str(frozen_app), "license-guard", "release"], environ)
    assert offline.returncode == 5
    assert "The seat is still taken and the lease was kept" in offline.stderr
    assert seats() == 1
