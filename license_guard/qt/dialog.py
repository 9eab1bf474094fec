"""The license dialog: the state, the licensee, expiry, offline time left, the device ID, and the
buttons to activate with a key, check now, or deactivate this device.

Every guard call goes through :class:`~license_guard.qt.tasks.LicenseTasks`, so the dialog never
waits on the network or on the guard's lock: while a call runs the dialog stays responsive,
shows a busy bar and disables the buttons that would start another call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QFontDatabase
from qtpy.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from license_guard.messages import (
    UserMessage,
    describe,
    describe_status,
    format_time,
    human,
    licensee,
    seats,
)
from license_guard.qt.tasks import LicenseTasks, Operation, Outcome
from license_guard.status import LicenseState, LicenseStatus

if TYPE_CHECKING:
    from license_guard.errors import LicenseError
    from license_guard.guard import LicenseGuard

__all__ = ["LicenseDialog"]

# Badge colours per state: green licensed, amber offline, red refused, grey not activated.
_STATE_COLOURS = {
    LicenseState.NOT_ACTIVATED: "#6b7280",
    LicenseState.ACTIVE: "#15803d",
    LicenseState.GRACE: "#b45309",
    LicenseState.GRACE_EXPIRED: "#b91c1c",
    LicenseState.EXPIRED: "#b91c1c",
    LicenseState.DENIED: "#b91c1c",
    LicenseState.CLOCK_ROLLBACK: "#b91c1c",
    LicenseState.UNTRUSTED: "#b91c1c",
}
_NOTICE_STYLE = (
    "QFrame#notice { background: %s; border: 1px solid %s; border-radius: 4px; }"
    " QFrame#notice QLabel { background: transparent; border: none; }"
)
_ERROR_NOTICE = _NOTICE_STYLE % ("#fef2f2", "#fca5a5")
_WARNING_NOTICE = _NOTICE_STYLE % ("#fffbeb", "#fcd34d")
_UNKNOWN = "—"
_LEASE_ROWS = 5  # the facts above the seats and the device ID come from the lease
_SEATS_ROW = 5  # shown only while this app holds a floating seat


class LicenseDialog(QDialog):
    """The license window of an app.

    Args:
        guard: the app's :class:`~license_guard.LicenseGuard`.
        parent: the window the dialog belongs to.
        tasks: where guard calls run (shared with a :class:`~license_guard.qt.LicensePrompt`);
            a new :class:`LicenseTasks` by default.
        device_tag: the name this computer gets on activation (shown in the vendor's list).
        title: the window title.

    The dialog reads the status when it is created and after every call. Widgets a test or a
    script may drive: ``key_edit``, ``activate_button``, ``check_button``,
    ``deactivate_button``, ``close_button``; shown text: ``state_label``, ``detail_label``,
    ``notice_title``, ``notice_text``, ``seats_label`` (a floating license's seats in use and
    this seat's end, hidden without a seat). :attr:`status` and :attr:`notice` hold what is
    shown.
    """

    status_changed = Signal(object)
    """Emitted with each new :class:`~license_guard.LicenseStatus` the dialog shows."""
    operation_finished = Signal(object)
    """Emitted with the :class:`~license_guard.qt.Outcome` of each call, after it is shown."""

    def __init__(
        self,
        guard: LicenseGuard,
        parent: QWidget | None = None,
        *,
        tasks: LicenseTasks | None = None,
        device_tag: str | None = None,
        title: str = "License",
    ) -> None:
        super().__init__(parent)
        self.guard = guard
        self.tasks = tasks if tasks is not None else LicenseTasks(guard, self)
        self.device_tag = device_tag
        self.status: LicenseStatus | None = None
        self.notice: UserMessage | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(640)
        self._build()
        self.tasks.finished.connect(self._on_finished)
        self.tasks.busy_changed.connect(self._on_busy)
        self._on_busy(self.tasks.busy)
        self.tasks.refresh()

    # -- what the app calls ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a guard call is queued or running."""
        return self.tasks.busy

    def show_error(self, error: LicenseError) -> None:
        """Show *error* in the dialog's notice area (for example the refusal of a gated action)."""
        self._show_notice(describe(error, self.status), warning=False)

    def activate(self, license_key: str | None = None) -> None:
        """Activate with *license_key* (default: the key typed in). Returns at once."""
        key = (license_key if license_key is not None else self.key_edit.text()).strip()
        if not key:
            self._show_notice(
                UserMessage("Enter a license key", "Type or paste the key you received."),
                warning=True,
            )
            self.key_edit.setFocus()
            return
        self.clear_notice()
        self.tasks.activate(key, device_tag=self.device_tag)

    def check_now(self) -> None:
        """Ask the licensing server now. Returns at once."""
        self.clear_notice()
        self.tasks.check()

    def deactivate(self) -> None:
        """Free this computer's seat and remove the license from it. Returns at once."""
        self.clear_notice()
        self.tasks.release()

    def clear_notice(self) -> None:
        """Hide the notice area."""
        self.notice = None
        self.notice_frame.hide()
        self.detail_label.show()

    # -- building and showing -------------------------------------------------------------------

    def _build(self) -> None:
        self.state_label = QLabel(_UNKNOWN)
        self.state_label.setObjectName("state")
        font = self.state_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.state_label.setFont(font)
        self.detail_label = _wrapping_label("Reading the license…")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # an endless busy bar: nobody knows how long a server takes
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.busy_label = QLabel("Contacting the licensing server…")

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.detail_label)
        layout.addSpacing(6)
        layout.addLayout(self._build_facts())
        layout.addSpacing(6)
        layout.addWidget(self._build_notice())
        layout.addWidget(self._build_key_row())
        layout.addWidget(self.busy_label)
        layout.addWidget(self.progress)
        layout.addWidget(self._build_buttons())

    def _build_facts(self) -> QFormLayout:
        self.licensee_label = _value_label()
        self.key_label = _value_label()
        self.expires_label = _value_label()
        self.grace_label = _value_label()
        self.checked_label = _value_label()
        self.seats_label = _value_label()
        self.device_label = _value_label()
        self.device_label.setToolTip("Give this ID to support if they ask for it.")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.device_label.font().pointSizeF() * 0.9)
        self.device_label.setFont(mono)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the device ID")
        self.copy_button.clicked.connect(self._copy_device_id)
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_label, 1)
        device_row.addWidget(self.copy_button)
        self.facts = QFormLayout()
        self.facts.addRow("Licensed to:", self.licensee_label)
        self.facts.addRow("License key:", self.key_label)
        self.facts.addRow("Expires:", self.expires_label)
        self.facts.addRow("Offline use left:", self.grace_label)
        self.facts.addRow("Last checked:", self.checked_label)
        self.facts.addRow("Seats:", self.seats_label)
        self.facts.addRow("Device ID:", device_row)
        return self.facts

    def _build_notice(self) -> QFrame:
        self.notice_frame = QFrame()
        self.notice_frame.setObjectName("notice")
        self.notice_title = QLabel()
        bold = self.notice_title.font()
        bold.setBold(True)
        self.notice_title.setFont(bold)
        self.notice_text = _wrapping_label("")
        notice_layout = QVBoxLayout(self.notice_frame)
        notice_layout.addWidget(self.notice_title)
        notice_layout.addWidget(self.notice_text)
        self.notice_frame.hide()
        return self.notice_frame

    def _build_key_row(self) -> QWidget:
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX")
        self.key_edit.returnPressed.connect(self._activate_typed_key)
        self.activate_button = QPushButton("Activate")
        self.activate_button.clicked.connect(self._activate_typed_key)
        self.key_row = QWidget()
        key_layout = QHBoxLayout(self.key_row)
        key_layout.setContentsMargins(0, 0, 0, 0)
        key_layout.addWidget(QLabel("License key:"))
        key_layout.addWidget(self.key_edit, 1)
        key_layout.addWidget(self.activate_button)
        return self.key_row

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.check_button = buttons.addButton("Check now", QDialogButtonBox.ButtonRole.ActionRole)
        self.deactivate_button = buttons.addButton(
            "Deactivate this computer", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.check_button.clicked.connect(self.check_now)
        self.deactivate_button.clicked.connect(self.deactivate)
        self.close_button.clicked.connect(self.reject)
        return buttons

    def _activate_typed_key(self) -> None:
        self.activate()

    def _on_finished(self, outcome: Outcome) -> None:
        if outcome.status is not None:
            self._show_status(outcome.status)
        if outcome.error is not None:
            # After a refused startup check the status already says it; repeat it only for
            # what the user just asked for.
            if outcome.operation is not Operation.STARTUP or outcome.status is None:
                self._show_notice(describe(outcome.error, outcome.status), warning=False)
        elif outcome.operation is Operation.ACTIVATE:
            self.key_edit.clear()
        elif outcome.operation is Operation.RELEASE:
            text = (
                "This computer's seat was freed; you can activate the license elsewhere."
                if outcome.released
                else "There was no activation to free on the licensing server."
            )
            self._show_notice(UserMessage("Deactivated", text), warning=True)
        self.operation_finished.emit(outcome)

    def _show_status(self, status: LicenseStatus) -> None:
        self.status = status
        message = describe_status(status)
        self.state_label.setText(message.title)
        self.state_label.setStyleSheet(f"color: {_STATE_COLOURS[status.state]};")
        self.detail_label.setText(message.text)
        self.licensee_label.setText(licensee(status) or _UNKNOWN)
        self.key_label.setText(status.key_hint or _UNKNOWN)
        if status.key_hint is None:
            self.expires_label.setText(_UNKNOWN)
        else:
            expires = status.expires_at
            self.expires_label.setText(format_time(expires) if expires else "never")
        self.grace_label.setText(_grace(status))
        checked = status.verified_at
        self.checked_label.setText(format_time(checked) if checked else _UNKNOWN)
        self.device_label.setText(status.host_id)
        for row in range(_LEASE_ROWS):  # without a lease there is nothing to say but the ID
            self.facts.setRowVisible(row, status.key_hint is not None)
        seat = seats(status) if status.is_licensed else None
        self.seats_label.setText(seat or _UNKNOWN)
        self.facts.setRowVisible(_SEATS_ROW, seat is not None)
        self._render_notice()
        self._on_busy(self.tasks.busy)
        self.status_changed.emit(status)

    def _show_notice(self, message: UserMessage, *, warning: bool) -> None:
        self.notice = message
        self.notice_frame.setStyleSheet(_WARNING_NOTICE if warning else _ERROR_NOTICE)
        self._render_notice()
        self.notice_frame.show()

    def _render_notice(self) -> None:
        message = self.notice
        if message is None:
            self.detail_label.show()
            return
        self.notice_title.setText(message.title)
        text = message.text
        # When the notice explains the very reason the state shows (a refusal), the state's own
        # line would say the same thing again in other words: the notice says it once.
        repeats = self.status is not None and message.detail == self.status.detail
        self.detail_label.setVisible(not (repeats and message.detail))
        if message.detail and not repeats:
            text = f"{text}\n\nDetails: {message.detail}"
        self.notice_text.setText(text)

    def _on_busy(self, busy: bool) -> None:
        status = self.status
        has_lease = status is not None and status.key_hint is not None
        licensed = status is not None and status.is_licensed
        self.progress.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.key_row.setVisible(not licensed)
        self.key_edit.setEnabled(not busy)
        self.activate_button.setEnabled(not busy)
        self.check_button.setEnabled(not busy and has_lease)
        self.deactivate_button.setEnabled(not busy and has_lease)
        if not busy and not licensed:
            self.key_edit.setFocus()

    def _copy_device_id(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None and self.status is not None:
            clipboard.setText(self.status.host_id)


def _wrapping_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _value_label() -> QLabel:
    label = QLabel(_UNKNOWN)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _grace(status: LicenseStatus) -> str:
    left = status.grace_left
    if left is None or status.grace_until is None or not status.is_licensed:
        return _UNKNOWN
    return f"{human(left)} (until {format_time(status.grace_until)})"
