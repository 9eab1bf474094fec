"""The dialog of an app with a floating license: the seats in use and this seat's end.

With ``LICENSE_GUARD_SCREENSHOTS=docs/images`` the activated dialog's picture is written there
(docs/qt.md), as tests/qt/test_screenshots.py writes the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from license_guard import KeymintBackend, LicenseGuard
from license_guard.admin import FloatingSeats, KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.qt import Operation

from .conftest import DEVICE_ID, FEATURES
from .test_dialog import click, finish, open_dialog, shown_text
from .test_screenshots import assert_text_drawn, save

FloatingGuard = Callable[[str], LicenseGuard]


@pytest.fixture
def floating_key(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
) -> str:
    """A floating key of the seeded product with three seats, made by the vendor's admin."""
    with KeymintAdmin(
        access_token=keymint_emulator.admin_token(),
        base_url="http://127.0.0.1",
        product_id=keymint_seed.product_id,
        api_generation=2,
        transport=keymint_transport,
        clock=emulator_clock,
    ) as admin:
        return admin.create_key(floating=FloatingSeats(max_sessions=3))


@pytest.fixture
def floating_guard(
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    tmp_path: Path,
) -> Iterator[FloatingGuard]:
    """Guards of the photo viewer with floating seats (generation 2), one per computer."""
    made: list[LicenseGuard] = []

    def make(device_id: str) -> LicenseGuard:
        backend = KeymintBackend(
            product_id=keymint_seed.product_id,
            access_token=keymint_seed.access_token,
            base_url="http://127.0.0.1",
            api_generation=2,
            floating=True,
            features=FEATURES,
            transport=keymint_transport,
            clock=emulator_clock,
        )
        guard = LicenseGuard(
            app_id="com.example.photoviewer",
            backend=backend,
            data_dir=tmp_path / device_id,
            device_id=device_id,
            clock=emulator_clock,
        )
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


def test_a_floating_license_shows_the_seats_in_use_and_the_seats_end(
    qtbot: QtBot,
    floating_guard: FloatingGuard,
    floating_key: str,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    tmp_path: Path,
) -> None:
    floating_guard("render-node-1").activate(floating_key)  # another computer holds a seat
    guard = floating_guard(DEVICE_ID)
    dialog = open_dialog(qtbot, guard)
    assert not dialog.seats_label.isVisible()  # not activated: no seat

    qtbot.keyClicks(dialog.key_edit, floating_key)
    outcome = finish(qtbot, dialog, Operation.ACTIVATE, click(qtbot, dialog.activate_button))

    assert outcome.ok
    sessions = keymint_emulator.floating_sessions(keymint_seed.product_id, floating_key)
    assert len(sessions) == 2
    # The emulator leases a seat for 300 seconds from the checkout, on its own clock.
    held_until = emulator_clock.now() + timedelta(seconds=300)
    assert dialog.status is not None
    assert dialog.status.seat is not None
    assert dialog.status.seat.held_until == held_until
    assert dialog.seats_label.isVisible()
    assert dialog.seats_label.text() == (
        f"2 of 3 in use, seat held until {held_until:%Y-%m-%d %H:%M} UTC"
    )
    assert "Seats:" in shown_text(dialog)
    assert_text_drawn(save(dialog, "license-dialog-floating.png", tmp_path))

    # A heartbeat four minutes later extends the seat; "Check now" shows the new end.
    emulator_clock.advance(timedelta(minutes=4))
    assert guard.heartbeat() == timedelta(seconds=60)
    finish(qtbot, dialog, Operation.CHECK, click(qtbot, dialog.check_button))
    later = emulator_clock.now() + timedelta(seconds=300)
    assert dialog.seats_label.text() == (
        f"2 of 3 in use, seat held until {later:%Y-%m-%d %H:%M} UTC"
    )

    # Deactivating gives the seat back: the row goes with it.
    finish(qtbot, dialog, Operation.RELEASE, click(qtbot, dialog.deactivate_button))
    assert len(keymint_emulator.floating_sessions(keymint_seed.product_id, floating_key)) == 1
    assert dialog.status is not None
    assert dialog.status.seat is None
    assert not dialog.seats_label.isVisible()


def test_a_license_that_is_not_floating_shows_no_seats_row(
    qtbot: QtBot, guard: LicenseGuard, keymint_seed: Seed
) -> None:
    dialog = open_dialog(qtbot, guard)
    qtbot.keyClicks(dialog.key_edit, keymint_seed.license_key)
    assert finish(qtbot, dialog, Operation.ACTIVATE, click(qtbot, dialog.activate_button)).ok
    assert dialog.status is not None
    assert dialog.status.seat is None
    assert not dialog.seats_label.isVisible()
    assert "Seats:" not in shown_text(dialog)
