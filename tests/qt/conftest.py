"""Qt tests run on Qt's offscreen platform: real widgets, real pixels, no display needed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from license_guard import KeymintBackend, LicenseGuard
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed


def pytest_configure(config: pytest.Config) -> None:
    # Before any QApplication exists (pytest-qt creates one when a test first needs it).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


FEATURES = frozenset({"export-4k"})
# The override source, so the device ID in screenshots is the same on every machine.
DEVICE_ID = "photo-studio-workstation"

GuardFactory = Callable[..., LicenseGuard]


@pytest.fixture
def make_guard(
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    tmp_path: Path,
) -> Iterator[GuardFactory]:
    """Guards on the seeded product, talking to the emulator in process, on its clock."""
    made: list[LicenseGuard] = []

    def make(*, device_id: str = DEVICE_ID, **options: Any) -> LicenseGuard:
        backend = KeymintBackend(
            product_id=keymint_seed.product_id,
            access_token=keymint_seed.access_token,
            base_url="http://127.0.0.1",
            features=FEATURES,
            transport=keymint_transport,
            clock=emulator_clock,
        )
        guard = LicenseGuard(
            app_id="com.example.photoviewer",
            backend=backend,
            storage_dir=tmp_path / device_id,
            device_id=device_id,
            clock=emulator_clock,
            **options,
        )
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


@pytest.fixture
def guard(make_guard: GuardFactory) -> LicenseGuard:
    return make_guard()


def seats(emulator: Emulator, seed: Seed) -> int:
    """How many devices the server lists on the seeded key."""
    return int(emulator.key_info(seed.product_id, seed.license_key)["license"]["activations"])
