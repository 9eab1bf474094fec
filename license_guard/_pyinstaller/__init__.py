"""PyInstaller support: the hook that bundles what license_guard imports only when it needs it.

PyInstaller finds this folder through the ``pyinstaller40`` / ``hook-dirs`` entry point in the
package metadata, so ``pyinstaller app.py`` needs no ``--hidden-import`` for license_guard.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["get_hook_dirs"]


def get_hook_dirs() -> list[str]:
    """The folders holding license_guard's PyInstaller hooks (the ``hook-dirs`` entry point)."""
    return [str(Path(__file__).resolve().parent)]
