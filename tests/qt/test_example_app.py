"""examples/pyqt_app.py as a newcomer meets it, in real subprocesses (offscreen Qt): its help,
its answer when nothing is set up, and the emulator's key reaching a parent through a pipe."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "pyqt_app.py")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LICENSE_GUARD_") and k != "PYTHONUNBUFFERED"  # as most shells have it
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no license-guard config file of the user
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def test_help_describes_the_app_in_whole_sentences(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, EXAMPLE, "--help"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    description = " ".join(result.stdout.split("\n\n")[1].split())
    assert description == (
        "Photo Viewer: a small Qt app (PySide6 or PyQt6, through qtpy) whose premium actions "
        "need a license."
    )


def test_without_settings_it_points_at_its_own_flags(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, EXAMPLE],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--emulator" in result.stderr
    assert "--product-id" not in result.stderr  # license-guard's flag, not this app's
    assert "Traceback" not in result.stderr


def test_the_emulators_key_reaches_a_parent_reading_a_pipe(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, EXAMPLE, "--emulator"],
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=30)  # the app keeps running: no EOF to wait for
            assert ready, "no line within 30 s: the key was left in the app's stdout buffer"
            line = os.read(process.stdout.fileno(), 4096).decode()
        assert line.startswith("Local licensing server at http://127.0.0.1:"), line
        assert "license key: " in line
        assert line.endswith("\n")
        assert process.poll() is None  # the window is still open
    finally:
        process.terminate()
        process.communicate(timeout=30)
