"""A hung licensing server never freezes the window: the event loop keeps running while the
guard waits, and the wait ends at the guard's deadline with a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from qtpy.QtCore import Qt, QTimer
from qtpy.QtWidgets import QApplication

from license_guard import KeymintBackend, LicenseGuard, LicenseUnreachableError
from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.qt import LicenseDialog, Operation, Outcome

from .test_dialog import settle

DEADLINE = 1.5


@pytest.fixture
def hung() -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    """A real server on 127.0.0.1 that reads each request and never answers."""
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed(uses_per_key=5)
    with EmulatorServer(emulator) as server:
        emulator.faults.hang()
        yield emulator, seed, server
        emulator.faults.clear()
    emulator.close()


@pytest.mark.slow
def test_the_ui_keeps_running_while_activation_waits_on_a_hung_server(
    qtbot: QtBot, hung: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = hung
    guard = LicenseGuard(
        app_id="com.example.photoviewer",
        backend=KeymintBackend(
            product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
        ),
        data_dir=tmp_path,
        device_id="hung-server-test",
        activation_timeout=DEADLINE,
    )
    dialog = LicenseDialog(guard)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, dialog)

    ticks: list[bool] = []  # one entry per timer tick: proof that the event loop runs
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(dialog.busy))
    timer.start()
    outcomes: list[Outcome] = []
    dialog.operation_finished.connect(outcomes.append)

    dialog.key_edit.setText(seed.license_key)
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert dialog.busy  # the click returned at once; the call runs in the worker
    assert dialog.progress.isVisible()
    assert not dialog.activate_button.isEnabled()

    # The dialog still answers input while the request hangs.
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=DEADLINE * 1000)
    assert not outcomes
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    clipboard = QApplication.clipboard()
    assert clipboard is not None
    assert clipboard.text() == guard.host_id

    qtbot.waitUntil(lambda: bool(outcomes), timeout=15_000)
    timer.stop()
    guard.close()

    outcome = outcomes[-1]
    assert outcome.operation is Operation.ACTIVATE
    assert isinstance(outcome.error, LicenseUnreachableError)
    assert "did not answer" in str(outcome.error)
    assert ticks.count(True) >= 10  # ticks kept coming while the call was busy
    assert not dialog.busy
    assert dialog.activate_button.isEnabled()
    assert dialog.notice is not None
    assert dialog.notice.title == "Cannot reach the licensing server"
    assert "Nothing was changed." in dialog.notice.text
    assert dialog.state_label.text() == "Not activated"
    assert [r.path for r in emulator.request_log][:1] == ["/activate-key"]
