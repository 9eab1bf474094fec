"""The PyInstaller hook shipped in the package: found through the entry point, and complete."""

from __future__ import annotations

import importlib.util
import runpy
from importlib.metadata import entry_points
from pathlib import Path

import license_guard


def _hook_dirs() -> list[str]:
    (entry,) = [
        entry
        for entry in entry_points(group="pyinstaller40", name="hook-dirs")
        if entry.value.startswith("license_guard.")
    ]
    dirs: list[str] = entry.load()()
    return dirs


def _hidden_imports() -> list[str]:
    (folder,) = _hook_dirs()
    hook = runpy.run_path(str(Path(folder) / "hook-license_guard.py"))
    names: list[str] = hook["hiddenimports"]
    return names


def test_pyinstaller_finds_the_hook_through_the_entry_point() -> None:
    (folder,) = _hook_dirs()
    assert (Path(folder) / "hook-license_guard.py").is_file()
    assert Path(folder).parent == Path(license_guard.__file__).parent


def test_the_hook_names_what_is_imported_lazily() -> None:
    hidden = set(_hidden_imports())
    assert {
        "license_guard.guard",
        "license_guard.http",
        "license_guard.store",
        "license_guard.lease",
        "license_guard.crypto",
        "license_guard.refresh",
        "license_guard.messages",
        "license_guard.cli",
        "license_guard.backends.keymint.backend",
        "license_guard.hostid.linux",
        "license_guard.hostid.macos",
        "license_guard.hostid.windows",
        "license_guard.hostid.other",
        "license_guard.hostid.adapters",
        "license_guard.hostid.install",
        "httpx",
        "httpcore",
        "certifi",
        "psutil",
        "machineid",
        "platformdirs",
    } <= hidden
    for name in hidden:
        assert importlib.util.find_spec(name) is not None, name


def test_the_hook_leaves_out_test_and_gui_code() -> None:
    for name in _hidden_imports():
        assert not name.startswith(
            ("license_guard.testing", "license_guard.qt", "license_guard.emulator")
        ), name
