"""Guards wired to the emulator: in process by default, over a socket where a test needs one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from license_guard import KeymintBackend, LicenseGuard
from license_guard.clock import Clock, ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.hostid import IdentitySource

FEATURES = frozenset({"export-4k"})


class OtherMachine(IdentitySource):
    """Another computer's hardware ID: the one part of these tests that cannot be real here."""

    name = "machine-id"

    def __init__(self, raw_id: str) -> None:
        self.raw_id = raw_id

    def read(self) -> str | None:
        return self.raw_id


GuardFactory = Callable[..., LicenseGuard]


@pytest.fixture
def lease_dir(tmp_path: Path) -> Path:
    return tmp_path / "lease"


@pytest.fixture
def make_guard(
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    lease_dir: Path,
) -> Iterator[GuardFactory]:
    """Build guards on the seeded product; the same machine and folder unless told otherwise."""
    made: list[LicenseGuard] = []

    def make(
        *,
        machine: str | None = None,
        storage_dir: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        base_url: str = "http://127.0.0.1",
        clock: Clock | None = None,
        access_token: str | None = None,
        product_id: str | None = None,
        **options: Any,
    ) -> LicenseGuard:
        clock = clock or emulator_clock
        backend = KeymintBackend(
            product_id=product_id or keymint_seed.product_id,
            access_token=access_token or keymint_seed.access_token,
            base_url=base_url,
            features=FEATURES,
            transport=transport or keymint_transport,
            clock=clock,
        )
        guard = LicenseGuard(
            app_id="com.example.photoeditor",
            backend=backend,
            storage_dir=storage_dir or lease_dir,
            identity_sources=None if machine is None else [OtherMachine(machine)],
            clock=clock,
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


@pytest.fixture
def activated(guard: LicenseGuard, keymint_seed: Seed) -> LicenseGuard:
    guard.activate(keymint_seed.license_key, device_tag="Studio PC")
    return guard


def seats(emulator: Emulator, seed: Seed) -> tuple[int, list[str]]:
    """Activations and the host IDs the server lists for the seeded key."""
    license_data = emulator.key_info(seed.product_id, seed.license_key)["license"]
    return license_data["activations"], [d["host_id"] for d in license_data["devices"]]
