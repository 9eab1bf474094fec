"""When to show the license dialog: at startup when the app is not licensed, and whenever a gated
action is refused (a :class:`LicensePrompt` is an ``on_denied`` handler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtCore import QObject, Signal
from qtpy.QtWidgets import QApplication, QWidget

from license_guard.errors import LicenseError, NotActivatedError
from license_guard.qt.dialog import LicenseDialog
from license_guard.qt.tasks import LicenseTasks, Operation, Outcome

if TYPE_CHECKING:
    from license_guard.guard import LicenseGuard

__all__ = ["LicensePrompt"]


class LicensePrompt(QObject):
    """Opens one :class:`LicenseDialog` for *guard* when the app needs it.

    ::

        prompt = LicensePrompt(guard, window)
        prompt.check_at_startup()  # ensure_activated() off the UI thread; the dialog if needed

        @guard.require("export-4k", on_denied=prompt)  # a refused call opens the dialog
        def export_4k(): ...

    Called with a refusal (as ``on_denied``), it opens the dialog showing why, and returns
    ``None``, which becomes the refused call's result. Called from a thread other than the UI
    thread, it hands the refusal to the UI thread and returns at once. The dialog is created
    once and reused; it is window-modal to *parent* (or to the active window).

    Args:
        guard: the app's guard.
        parent: the main window.
        device_tag: the name this computer gets on activation.
        title: the dialog's title.
    """

    dialog_opened = Signal(object)
    """Emitted with the :class:`LicenseDialog` each time it is shown."""
    startup_checked = Signal(object)
    """Emitted with the :class:`~license_guard.qt.Outcome` of :meth:`check_at_startup`."""

    _refused = Signal(object)

    def __init__(
        self,
        guard: LicenseGuard,
        parent: QWidget | None = None,
        *,
        device_tag: str | None = None,
        title: str = "License",
    ) -> None:
        super().__init__(parent)
        self.guard = guard
        self.tasks = LicenseTasks(guard, self)
        self.device_tag = device_tag
        self.title = title
        self._window = parent
        self._dialog: LicenseDialog | None = None
        self.tasks.finished.connect(self._on_finished)
        self._refused.connect(self.show_dialog)

    @property
    def dialog(self) -> LicenseDialog | None:
        """The dialog, once it has been shown."""
        return self._dialog

    def __call__(self, error: LicenseError) -> None:
        """The ``on_denied`` handler: show the dialog with *error*."""
        # Qt's automatic connection calls the slot right here on the UI thread, and queues it
        # to the UI thread from any other: widgets may only be touched on the UI thread.
        self._refused.emit(error)

    def check_at_startup(self) -> None:
        """Run ``guard.ensure_activated()`` off the UI thread; when it raises, show the dialog
        with the reason. :attr:`startup_checked` reports the outcome either way."""
        self.tasks.startup_check()

    def show_dialog(self, error: LicenseError | None = None) -> LicenseDialog:
        """Show the dialog (created on first use), with *error* in its notice area if given."""
        dialog = self._dialog
        if dialog is None:
            parent = self._window or QApplication.activeWindow()
            dialog = LicenseDialog(
                self.guard, parent, tasks=self.tasks, device_tag=self.device_tag, title=self.title
            )
            self._dialog = dialog
        else:
            dialog.tasks.refresh()
        # "Not activated" is what the dialog's headline already says.
        if error is not None and not isinstance(error, NotActivatedError):
            dialog.show_error(error)
        else:
            dialog.clear_notice()
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()
        self.dialog_opened.emit(dialog)
        return dialog

    def _on_finished(self, outcome: Outcome) -> None:
        if outcome.operation is not Operation.STARTUP:
            return
        if outcome.error is not None:
            self.show_dialog(outcome.error)
        self.startup_checked.emit(outcome)
