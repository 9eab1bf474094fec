"""Guards wired to the emulator: in process by default, over a socket where a test needs one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from license_guard import LicenseGuard
from license_guard.emulator import Emulator, Seed
from license_guard.testing import GuardFactory

FEATURES = frozenset({"export-4k"})


@pytest.fixture
def lease_dir(tmp_path: Path) -> Path:
    return tmp_path / "lease"


@pytest.fixture
def make_guard(keymint_guards: GuardFactory, lease_dir: Path) -> GuardFactory:
    """Guards of the photo editor on the seeded product, all in one lease folder unless told
    otherwise; ``machine=`` makes one another computer (its device ID)."""

    def make(
        *, machine: str | None = None, data_dir: Path | None = None, **options: Any
    ) -> LicenseGuard:
        return keymint_guards(
            app_id="com.example.photoeditor",
            device_id=machine,
            data_dir=data_dir or lease_dir,
            features=FEATURES,
            **options,
        )

    return make


@pytest.fixture
def guard(make_guard: GuardFactory) -> LicenseGuard:
    return make_guard()


@pytest.fixture
def activated(guard: LicenseGuard, keymint_seed: Seed) -> LicenseGuard:
    guard.activate(keymint_seed.license_key, device_tag="Studio PC")
    return guard


def seats(emulator: Emulator, seed: Seed) -> tuple[int, list[str]]:
    """Activations and the host IDs the server lists for the seeded key."""
    license_data = emulator.key_info(seed.product_id, seed.license_key)["license"]
    return license_data["activations"], [d["host_id"] for d in license_data["devices"]]
