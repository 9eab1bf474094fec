"""Keymint backends, guards and the vendor's admin client on one emulator, generation 2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from license_guard import KeymintBackend, LicenseGuard
from license_guard.admin import KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

APP_ID = "com.example.keymint"
FEATURE = "export-4k"

BackendFactory = Callable[..., KeymintBackend]
GuardMaker = Callable[..., LicenseGuard]


@pytest.fixture
def admin(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
) -> Iterator[KeymintAdmin]:
    """The vendor's generation-2 admin client, with the emulator's admin token (may sign)."""
    with KeymintAdmin(
        access_token=keymint_emulator.admin_token(),
        base_url="http://127.0.0.1",
        product_id=keymint_seed.product_id,
        api_generation=2,
        transport=keymint_transport,
        clock=emulator_clock,
    ) as client:
        yield client


@pytest.fixture
def make_backend(
    keymint_emulator: Emulator, keymint_seed: Seed, emulator_clock: ManualClock
) -> Iterator[BackendFactory]:
    """Generation-2 backends on the seeded product; options override the defaults."""
    made: list[KeymintBackend] = []

    def make(**options: Any) -> KeymintBackend:
        arguments: dict[str, Any] = {
            "product_id": keymint_seed.product_id,
            "access_token": keymint_seed.access_token,
            "base_url": "http://127.0.0.1",
            "api_generation": 2,
            "features": {FEATURE},
            "clock": emulator_clock,
            **options,
        }
        arguments.setdefault("transport", keymint_emulator.transport())
        backend = KeymintBackend(**arguments)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def make_guard(
    make_backend: BackendFactory, tmp_path: Path, emulator_clock: ManualClock
) -> Iterator[GuardMaker]:
    """Guards on their own backend; each machine keeps its lease in its own folder."""
    made: list[LicenseGuard] = []

    def make(machine: str = "this-pc", **backend_options: Any) -> LicenseGuard:
        guard = LicenseGuard(
            app_id=APP_ID,
            backend=make_backend(**backend_options),
            data_dir=tmp_path / machine,
            device_id=machine,
            clock=emulator_clock,
        )
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()
