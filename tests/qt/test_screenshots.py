"""Pictures of the example app's license dialog in its three main states, rendered offscreen.

Each test drives examples/pyqt_app.py's real window into a state, grabs the dialog's pixels and
checks that text was drawn. With ``LICENSE_GUARD_SCREENSHOTS=docs/images`` the pictures are also
written there (that is how the ones in docs/qt.md are made)::

    LICENSE_GUARD_SCREENSHOTS=docs/images python -m pytest tests/qt/test_screenshots.py
"""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from qtpy.QtGui import QImage
from qtpy.QtWidgets import QDialog, QWidget

from license_guard import LicenseBlockedError, LicenseGuard
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.qt import Operation

from .test_dialog import finish, settle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """examples/pyqt_app.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("pyqt_app", ROOT / "examples" / "pyqt_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pyqt_app"] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["pyqt_app"]
    return module


def save(widget: QWidget, name: str, tmp_path: Path) -> QImage:
    """Grab *widget*'s pixels, keep them under tmp_path (and the screenshot folder, if set)."""
    if isinstance(widget, QDialog):
        widget.adjustSize()  # as small as its content; a main window keeps its own size
    pixmap = widget.grab()
    image = pixmap.toImage()
    folders = [tmp_path]
    if os.environ.get("LICENSE_GUARD_SCREENSHOTS"):
        folders.append(Path(os.environ["LICENSE_GUARD_SCREENSHOTS"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        assert pixmap.save(str(folder / name), "PNG")
    return image


def dark_pixels(image: QImage) -> int:
    """How many pixels are much darker than a dialog's light background: text, mostly."""
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).lightness() < 110
    )


def assert_text_drawn(image: QImage) -> None:
    assert image.width() >= 600
    assert image.height() >= 200
    # A blank or box-only picture (no fonts found) has almost no dark pixels; text has many.
    assert dark_pixels(image) > 800, "no text was drawn: is a font installed (docs/qt.md)?"


@pytest.fixture
def license_key(keymint_emulator: Emulator, keymint_seed: Seed) -> str:
    """A three-seat key of a customer with a readable name, for the pictures."""
    customer = keymint_emulator.create_customer("Jane Doe", email="jane@example.com")
    return keymint_emulator.create_key(
        keymint_seed.product_id, uses_per_key=3, customer_id=customer
    )


@pytest.fixture
def window(example: ModuleType, qtbot: QtBot, guard: LicenseGuard, license_key: str) -> Any:
    """The example's window, started (which opens the dialog) and activated in the dialog."""
    window = example.build_window(guard)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.prompt.startup_checked):
        window.prompt.check_at_startup()
    dialog = window.prompt.dialog
    settle(qtbot, dialog)
    dialog.key_edit.setText(license_key)
    finish(qtbot, dialog, Operation.ACTIVATE, dialog.activate)
    return window


def test_activated(window: Any, tmp_path: Path) -> None:
    dialog = window.prompt.dialog
    assert dialog.state_label.text() == "Activated"
    assert dialog.licensee_label.text() == "Jane Doe <jane@example.com>"
    assert dialog.notice is None
    assert_text_drawn(save(dialog, "license-dialog-activated.png", tmp_path))
    dialog.reject()
    assert window.license_label.text() == "License: Activated"
    assert_text_drawn(save(window, "pyqt-app-window.png", tmp_path))
    colour = window.image.pixelColor(10, 10)
    window.grayscale_action.trigger()  # licensed: the picture turns grey, no dialog
    assert not dialog.isVisible()
    grey = window.image.pixelColor(10, 10)
    assert colour.red() != colour.blue()
    assert grey.red() == grey.green() == grey.blue()


def test_grace(
    window: Any,
    qtbot: QtBot,
    keymint_emulator: Emulator,
    emulator_clock: ManualClock,
    tmp_path: Path,
) -> None:
    dialog = window.prompt.dialog
    emulator_clock.advance(timedelta(days=2, hours=3))
    keymint_emulator.faults.reset()  # the network is down
    finish(qtbot, dialog, Operation.CHECK, dialog.check_now)
    assert dialog.state_label.text() == "Working offline"
    assert dialog.notice is not None
    assert dialog.notice.title == "Cannot reach the licensing server"
    assert_text_drawn(save(dialog, "license-dialog-grace.png", tmp_path))


def test_denied(
    window: Any,
    qtbot: QtBot,
    license_key: str,
    keymint_seed: Seed,
    keymint_emulator: Emulator,
    guard: LicenseGuard,
    tmp_path: Path,
) -> None:
    dialog = window.prompt.dialog
    dialog.reject()
    keymint_emulator.block_key(keymint_seed.product_id, license_key)
    with pytest.raises(LicenseBlockedError):  # the background check learns of the block
        guard.revalidate()
    with qtbot.waitSignal(window.prompt.dialog_opened):
        window.export_action.trigger()  # a premium action, refused: the dialog opens
    settle(qtbot, dialog)
    assert window.last_export is None
    assert dialog.isVisible()
    assert dialog.state_label.text() == "License refused"
    assert dialog.notice is not None
    assert dialog.notice.title == "License key blocked"
    assert dialog.grace_label.text() == "—"  # no offline use for a refused license
    assert_text_drawn(save(dialog, "license-dialog-denied.png", tmp_path))
