"""Every test here may use the license_guard pytest plugin, as a vendor's suite would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed

pytest_plugins = ["license_guard.testing"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pyqt_app.py"
NAME = "PhotoViewer"


@pytest.fixture
def live_keymint() -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    """A seeded emulator on the real clock, served over a real socket: for tests whose client
    runs on real time too (subprocesses, deadlines, the CLI)."""
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed(uses_per_key=5)
    with EmulatorServer(emulator) as server:
        yield emulator, seed, server
    emulator.close()


@pytest.fixture(scope="session")
def frozen_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """examples/pyqt_app.py built with PyInstaller (one folder), once per run, for tests/freeze
    and tests/relay; removed at the end of the run (~190 MB). Its executable's path."""
    build = tmp_path_factory.mktemp("pyinstaller")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--onedir",
            "--log-level",
            "WARN",
            "--name",
            NAME,
            "--distpath",
            str(build / "dist"),
            "--workpath",
            str(build / "work"),
            "--specpath",
            str(build),
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    executable = build / "dist" / NAME / (NAME + (".exe" if sys.platform == "win32" else ""))
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert executable.is_file()
    yield executable
    shutil.rmtree(build, ignore_errors=True)
