"""Every test here may use the license_guard pytest plugin, as a vendor's suite would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from license_guard.clock import SystemClock
from license_guard.emulator import Emulator, EmulatorServer, Seed

pytest_plugins = ["license_guard.testing"]


@pytest.fixture
def live_keymint() -> Iterator[tuple[Emulator, Seed, EmulatorServer]]:
    """A seeded emulator on the real clock, served over a real socket: for tests whose client
    runs on real time too (subprocesses, deadlines, the CLI)."""
    emulator = Emulator(clock=SystemClock())
    seed = emulator.seed(uses_per_key=5)
    with EmulatorServer(emulator) as server:
        yield emulator, seed, server
    emulator.close()
