"""Qt stays out of every process that does not ask for license_guard.qt."""

from __future__ import annotations

import os
import subprocess
import sys

QT_PACKAGES = ("qtpy", "PySide6", "shiboken6", "PyQt6", "PyQt5", "PySide2")

# Names come from the files: pkgutil.walk_packages would import license_guard.qt to look inside.
EVERY_CORE_MODULE = f"""
import pathlib, sys
import license_guard
root = pathlib.Path(license_guard.__file__).parent
# __main__ runs the CLI on import; relay needs its own extra (Starlette, Uvicorn), which the
# PyQt6 environment of CI does not install (tests/relay/test_relay_layout.py watches its imports).
skip = ("qt", "relay", "_pyinstaller", "__main__")
for path in sorted(root.rglob("*.py")):
    parts = path.relative_to(root).with_suffix("").parts
    if parts[0] not in skip:
        __import__(".".join(("license_guard", *parts)).removesuffix(".__init__"))
from license_guard.cli import main
assert main(["fingerprint", "--app-id", "com.example.photoviewer"]) == 0
print(len(sys.modules), sorted(m for m in sys.modules if m.split(".")[0] in {QT_PACKAGES!r}))
"""


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_core_never_imports_qt() -> None:
    completed = _python(EVERY_CORE_MODULE)
    assert completed.returncode == 0, completed.stderr
    loaded, qt_modules = completed.stdout.splitlines()[-1].split(" ", 1)
    assert int(loaded) > 100  # the walk did import the package
    assert qt_modules == "[]"


def test_license_guard_qt_brings_qt_in() -> None:
    completed = _python("import sys, license_guard.qt; print('qtpy' in sys.modules)")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "True"


def test_without_qt_the_error_names_the_extra_to_install() -> None:
    # A child process where qtpy cannot be imported, as on a machine without the extra.
    completed = _python("import sys; sys.modules['qtpy'] = None; import license_guard.qt")
    assert completed.returncode == 1
    assert 'pip install "license-guard[qt]"' in completed.stderr


def test_the_binding_asked_for_is_the_one_in_use() -> None:
    # CI runs this suite twice: with the dev extra's PySide6, and with QT_API=pyqt6.
    import qtpy

    assert os.environ.get("QT_API", qtpy.API) == qtpy.API
    assert qtpy.API in {"pyside6", "pyqt6"}
