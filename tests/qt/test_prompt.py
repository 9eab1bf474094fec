"""LicensePrompt: the dialog opens at startup when needed and when a gated action is refused."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot
from qtpy.QtWidgets import QMainWindow

from license_guard import LicenseBlockedError, LicenseGuard, LicenseState, NotActivatedError
from license_guard.emulator import Emulator, Seed
from license_guard.qt import LicenseDialog, LicensePrompt, Operation, Outcome

from .test_dialog import finish, settle


def main_window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_refused_action_opens_the_dialog_and_runs_once_activated(
    qtbot: QtBot, guard: LicenseGuard, keymint_seed: Seed
) -> None:
    window = main_window(qtbot)
    prompt = LicensePrompt(guard, window)
    exported: list[str] = []

    @guard.require("export-4k", on_denied=prompt)
    def export_4k(name: str) -> str:
        exported.append(name)
        return f"{name} in 4K"

    with qtbot.waitSignal(prompt.dialog_opened):
        assert export_4k("holiday.png") is None
    dialog = prompt.dialog
    assert isinstance(dialog, LicenseDialog)
    assert dialog.isVisible()
    assert dialog.parent() is window
    assert exported == []
    settle(qtbot, dialog)
    assert dialog.state_label.text() == "Not activated"
    assert dialog.notice is None  # the headline already says it

    dialog.key_edit.setText(keymint_seed.license_key)
    finish(qtbot, dialog, Operation.ACTIVATE, dialog.activate)
    assert export_4k("holiday.png") == "holiday.png in 4K"
    assert exported == ["holiday.png"]


def test_a_feature_outside_the_license_says_so_in_the_one_dialog(
    qtbot: QtBot, guard: LicenseGuard, keymint_seed: Seed
) -> None:
    guard.activate(keymint_seed.license_key)
    prompt = LicensePrompt(guard, main_window(qtbot))

    @guard.require("batch-export", on_denied=prompt)
    def batch_export() -> str:
        return "done"

    assert batch_export() is None
    dialog = prompt.dialog
    assert dialog is not None
    assert dialog.notice is not None
    assert dialog.notice.title == "Not included in your license"
    assert "“batch-export”" in dialog.notice.text
    settle(qtbot, dialog)
    assert dialog.state_label.text() == "Activated"

    dialog.reject()  # opened again from the menu: the same dialog, without the old notice
    assert prompt.show_dialog() is dialog
    assert dialog.isVisible()
    assert dialog.notice is None
    settle(qtbot, dialog)


def test_a_refusal_in_a_worker_thread_opens_the_dialog_on_the_ui_thread(
    qtbot: QtBot, guard: LicenseGuard
) -> None:
    prompt = LicensePrompt(guard, main_window(qtbot))
    opened_on: list[threading.Thread] = []
    prompt.dialog_opened.connect(lambda _dialog: opened_on.append(threading.current_thread()))

    @guard.require(on_denied=prompt)
    def render() -> str:
        return "rendered"

    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(render()))
    with qtbot.waitSignal(prompt.dialog_opened, timeout=5_000):
        worker.start()
        worker.join()
    assert results == [None]
    assert opened_on == [threading.main_thread()]
    assert prompt.dialog is not None
    settle(qtbot, prompt.dialog)


def test_startup_opens_the_dialog_when_not_activated(qtbot: QtBot, guard: LicenseGuard) -> None:
    prompt = LicensePrompt(guard, main_window(qtbot))
    with qtbot.waitSignal(prompt.startup_checked) as blocker:
        prompt.check_at_startup()
    outcome: Outcome = blocker.args[0]
    assert isinstance(outcome.error, NotActivatedError)
    assert prompt.dialog is not None
    assert prompt.dialog.isVisible()
    settle(qtbot, prompt.dialog)


def test_startup_stays_quiet_and_offline_with_a_fresh_lease(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    guard.activate(keymint_seed.license_key)
    keymint_emulator.clear_request_log()
    prompt = LicensePrompt(guard, main_window(qtbot))
    with qtbot.waitSignal(prompt.startup_checked) as blocker:
        prompt.check_at_startup()
    outcome: Outcome = blocker.args[0]
    assert outcome.ok
    assert outcome.status is not None
    assert outcome.status.state is LicenseState.ACTIVE
    assert prompt.dialog is None
    assert keymint_emulator.request_log == []


def test_startup_after_a_block_shows_the_refusal(
    qtbot: QtBot,
    guard: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    guard.activate(keymint_seed.license_key)
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    with pytest.raises(LicenseBlockedError):  # the last session learnt of the block
        guard.revalidate()
    prompt = LicensePrompt(guard, main_window(qtbot))
    with qtbot.waitSignal(prompt.startup_checked) as blocker:
        prompt.check_at_startup()
    outcome: Outcome = blocker.args[0]
    assert outcome.status is not None
    assert outcome.status.state is LicenseState.DENIED
    dialog = prompt.dialog
    assert dialog is not None
    settle(qtbot, dialog)
    assert dialog.state_label.text() == "License refused"
    assert dialog.notice is not None
    assert dialog.notice.title == "License key blocked"
