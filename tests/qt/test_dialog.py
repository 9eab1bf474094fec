"""The license dialog driven like a user drives it: type a key, click, read what it says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pytestqt.qtbot import QtBot
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QLabel

from license_guard import LicenseGuard, LicenseUnreachableError
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.messages import human
from license_guard.qt import LicenseDialog, Operation, Outcome

from .conftest import GuardFactory, seats


def open_dialog(qtbot: QtBot, guard: LicenseGuard) -> LicenseDialog:
    dialog = LicenseDialog(guard, device_tag="Studio PC")
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, dialog)
    return dialog


def settle(qtbot: QtBot, dialog: LicenseDialog) -> None:
    """Wait until no guard call is queued or running (the dialog reads the status on open)."""
    qtbot.waitUntil(lambda: not dialog.busy and dialog.status is not None)


def finish(
    qtbot: QtBot, dialog: LicenseDialog, operation: Operation, act: Callable[[], object]
) -> Outcome:
    """Do *act* and wait for the outcome of *operation*, as the dialog receives it."""
    with qtbot.waitSignal(
        dialog.operation_finished,
        timeout=15_000,
        check_params_cb=lambda outcome: outcome.operation is operation,
    ) as blocker:
        act()
    outcome: Outcome = blocker.args[0]
    return outcome


def click(qtbot: QtBot, button: object) -> Callable[[], None]:
    return lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_text(dialog: LicenseDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())


def test_a_key_typed_in_activates_and_the_dialog_shows_the_license(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    dialog = open_dialog(qtbot, guard)
    assert dialog.state_label.text() == "Not activated"
    assert dialog.key_row.isVisible()
    assert not dialog.deactivate_button.isEnabled()
    assert not dialog.check_button.isEnabled()
    assert dialog.device_label.text() == guard.host_id

    qtbot.keyClicks(dialog.key_edit, keymint_seed.license_key)
    outcome = finish(qtbot, dialog, Operation.ACTIVATE, click(qtbot, dialog.activate_button))

    assert outcome.ok
    assert dialog.state_label.text() == "Activated"
    expiry = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)[
        "license"
    ]["expiration_date"]
    expires_at = datetime.fromisoformat(expiry.replace("Z", "+00:00"))
    assert dialog.expires_label.text() == f"{expires_at:%Y-%m-%d %H:%M} UTC"
    assert dialog.licensee_label.text().startswith("Demo Customer <demo-")
    assert dialog.key_label.text() == "…" + keymint_seed.license_key[-4:]
    assert dialog.grace_label.text() == "7 days (until 2030-01-22 09:00 UTC)"
    assert dialog.checked_label.text() == "2030-01-15 09:00 UTC"
    assert not dialog.key_row.isVisible()
    assert dialog.key_edit.text() == ""
    assert dialog.deactivate_button.isEnabled()
    assert seats(keymint_emulator, keymint_seed) == 1
    device = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)[
        "license"
    ]["devices"][0]
    assert (device["host_id"], device["device_tag"]) == (guard.host_id, "Studio PC")
    assert keymint_seed.license_key not in shown_text(dialog)


def test_return_in_the_key_field_activates(
    qtbot: QtBot, guard: LicenseGuard, keymint_seed: Seed
) -> None:
    dialog = open_dialog(qtbot, guard)
    dialog.key_edit.setText(keymint_seed.license_key)
    outcome = finish(
        qtbot,
        dialog,
        Operation.ACTIVATE,
        lambda: qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return),
    )
    assert outcome.ok


def test_an_empty_key_asks_for_one_without_calling_the_server(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator
) -> None:
    dialog = open_dialog(qtbot, guard)
    keymint_emulator.clear_request_log()
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert dialog.notice is not None
    assert dialog.notice.title == "Enter a license key"
    assert not dialog.busy
    assert keymint_emulator.request_log == []


def test_each_refusal_gets_its_own_words(
    qtbot: QtBot,
    guard: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    pid = keymint_seed.product_id
    full = keymint_emulator.create_key(pid, uses_per_key=1, customer_id=keymint_seed.customer_id)
    keymint_emulator.activate(pid, full, "another-computer")
    blocked = keymint_emulator.create_key(pid, customer_id=keymint_seed.customer_id)
    keymint_emulator.block_key(pid, blocked)
    dialog = open_dialog(qtbot, guard)

    for key, title in (
        ("AAAAA-BBBBB-CCCCC-DDDDD", "License key not recognised"),
        (full, "Activation limit reached"),
        (blocked, "License key blocked"),
    ):
        dialog.key_edit.setText(key)
        outcome = finish(qtbot, dialog, Operation.ACTIVATE, click(qtbot, dialog.activate_button))
        assert outcome.error is not None
        assert dialog.notice is not None
        assert dialog.notice.title == title
        assert dialog.notice_frame.isVisible()
        assert dialog.state_label.text() == "Not activated"
        assert dialog.key_edit.text() == key  # kept, to fix a typo
        assert key not in shown_text(dialog)


def test_deactivate_frees_the_seat(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    guard.activate(keymint_seed.license_key)
    dialog = open_dialog(qtbot, guard)
    assert dialog.state_label.text() == "Activated"

    outcome = finish(qtbot, dialog, Operation.RELEASE, click(qtbot, dialog.deactivate_button))

    assert outcome.released is True
    assert dialog.state_label.text() == "Not activated"
    assert dialog.notice is not None
    assert dialog.notice.title == "Deactivated"
    assert dialog.key_row.isVisible()
    assert not dialog.deactivate_button.isEnabled()
    assert seats(keymint_emulator, keymint_seed) == 0
    assert not guard.store.path.exists()


def test_check_now_offline_says_how_long_the_app_keeps_working(
    qtbot: QtBot,
    guard: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    guard.activate(keymint_seed.license_key)
    emulator_clock.advance(timedelta(days=2))
    dialog = open_dialog(qtbot, guard)
    keymint_emulator.faults.reset()

    outcome = finish(qtbot, dialog, Operation.CHECK, click(qtbot, dialog.check_button))

    assert isinstance(outcome.error, LicenseUnreachableError)
    assert outcome.status is not None
    left = outcome.status.grace_left
    assert left is not None
    assert timedelta(days=4) < left <= timedelta(days=5)  # the retries' backoff took a moment
    offline = f"{human(left)} (until 2030-01-22 09:00 UTC)"
    assert dialog.state_label.text() == "Working offline"
    assert dialog.grace_label.text() == offline
    assert dialog.notice is not None
    assert dialog.notice.title == "Cannot reach the licensing server"
    assert f"keep working offline for {offline}" in dialog.notice.text
    keymint_emulator.faults.clear()
    outcome = finish(qtbot, dialog, Operation.CHECK, click(qtbot, dialog.check_button))
    assert outcome.ok
    assert dialog.state_label.text() == "Activated"
    assert dialog.notice is None


def test_a_blocked_key_is_shown_as_refused(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    guard.activate(keymint_seed.license_key)
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    dialog = open_dialog(qtbot, guard)

    outcome = finish(qtbot, dialog, Operation.CHECK, click(qtbot, dialog.check_button))

    assert outcome.status is not None
    assert outcome.status.state.value == "denied"
    assert dialog.state_label.text() == "License refused"
    assert dialog.notice is not None
    assert dialog.notice.title == "License key blocked"
    assert dialog.key_row.isVisible()  # a new key can be entered
    assert dialog.deactivate_button.isEnabled()  # and the seat can still be freed


def test_a_second_dialog_of_another_computer_sees_its_own_device(
    qtbot: QtBot, make_guard: GuardFactory, keymint_seed: Seed
) -> None:
    first = open_dialog(qtbot, make_guard(device_id="computer-one"))
    second = open_dialog(qtbot, make_guard(device_id="computer-two"))
    assert first.device_label.text() != second.device_label.text()
    assert len(second.device_label.text()) == 64


def test_expiry_reads_never_for_a_perpetual_license(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    perpetual = keymint_emulator.create_key(keymint_seed.product_id, never_expires=True)
    guard.activate(perpetual)
    dialog = open_dialog(qtbot, guard)
    assert dialog.expires_label.text() == "never"
    assert dialog.licensee_label.text() == "—"


def test_a_refused_check_says_it_once_without_internal_names(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    guard.activate(keymint_seed.license_key)
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    dialog = open_dialog(qtbot, guard)
    finish(qtbot, dialog, Operation.CHECK, click(qtbot, dialog.check_button))

    text = shown_text(dialog)
    assert "The vendor has blocked this license key." in text  # the notice, for people
    assert "has been blocked" not in text, text  # not the same sentence again in other words
    assert "Error" not in text, text


def test_a_broken_connection_is_described_without_the_exception_name(
    qtbot: QtBot, guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.reset()  # the in-process transport raises httpx.ReadError
    dialog = open_dialog(qtbot, guard)
    dialog.key_edit.setText(keymint_seed.license_key)
    finish(qtbot, dialog, Operation.ACTIVATE, click(qtbot, dialog.activate_button))

    text = shown_text(dialog)
    assert dialog.notice is not None
    assert dialog.notice.title == "Cannot reach the licensing server"
    assert "ReadError" not in text, text
    assert "broke off" in text, text
