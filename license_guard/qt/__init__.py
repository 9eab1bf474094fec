"""Qt integration: a license dialog, guard calls off the UI thread, and a dialog on refusal.

Works with PySide6 and PyQt6 through qtpy (``pip install "license-guard[qt]"`` brings qtpy and
PySide6; set ``QT_API=pyqt6`` to use an installed PyQt6 instead). Nothing else in license_guard
imports this package, so an app that does not use it never loads Qt.

::

    from license_guard.qt import LicensePrompt

    prompt = LicensePrompt(guard, window, device_tag=platform.node())
    prompt.check_at_startup()  # the dialog opens if this computer is not licensed

    @guard.require("export-4k", on_denied=prompt)  # a refused call opens the dialog instead
    def export_4k(): ...

See ``docs/qt.md``.
"""

from __future__ import annotations

try:
    import qtpy  # noqa: F401  # imported first so a missing extra gets a helpful message
except ImportError as exc:  # qtpy raises its own subclass when no Qt binding is installed
    raise ImportError(
        "license_guard.qt needs qtpy and a Qt binding (PySide6 or PyQt6): "
        'pip install "license-guard[qt]"'
    ) from exc

from license_guard.qt.dialog import LicenseDialog
from license_guard.qt.prompt import LicensePrompt
from license_guard.qt.tasks import LicenseTasks, Operation, Outcome

__all__ = ["LicenseDialog", "LicensePrompt", "LicenseTasks", "Operation", "Outcome"]
