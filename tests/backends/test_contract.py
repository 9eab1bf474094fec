"""The shared backend contract, run for both backends against their emulators."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from license_guard.clock import ManualClock
from license_guard.testing import EMULATOR_EPOCH
from license_guard.testing.contract import BackendContract
from license_guard.testing.harness import BackendHarness, KeygenHarness, KeymintHarness


class TestKeymintContract(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[BackendHarness]:
        with closing(KeymintHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
            yield harness


class TestKeygenContract(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[BackendHarness]:
        with closing(KeygenHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
            yield harness
