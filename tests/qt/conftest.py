"""Qt tests run on Qt's offscreen platform: real widgets, real pixels, no display needed."""

from __future__ import annotations

import os
from typing import Any

import pytest

from license_guard import LicenseGuard
from license_guard.emulator import Emulator, Seed
from license_guard.testing import GuardFactory


def pytest_configure(config: pytest.Config) -> None:
    # Before any QApplication exists (pytest-qt creates one when a test first needs it).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


FEATURES = frozenset({"export-4k"})
# The override source, so the device ID in screenshots is the same on every machine.
DEVICE_ID = "photo-studio-workstation"


@pytest.fixture
def make_guard(keymint_guards: GuardFactory) -> GuardFactory:
    """Guards of the photo viewer on the seeded product, in process, on the emulator's clock."""

    def make(*, device_id: str = DEVICE_ID, **options: Any) -> LicenseGuard:
        return keymint_guards(
            app_id="com.example.photoviewer", device_id=device_id, features=FEATURES, **options
        )

    return make


@pytest.fixture
def guard(make_guard: GuardFactory) -> LicenseGuard:
    return make_guard()


def seats(emulator: Emulator, seed: Seed) -> int:
    """How many devices the server lists on the seeded key."""
    return int(emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"])
