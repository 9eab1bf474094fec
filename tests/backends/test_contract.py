"""The shared backend contract, run for both backends against their emulators."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from license_guard import KeymintBackend
from license_guard.clock import ManualClock
from license_guard.testing import EMULATOR_EPOCH
from license_guard.testing.contract import BackendContract
from license_guard.testing.harness import BackendHarness, KeygenHarness, KeymintHarness


class TestKeymintContract(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[BackendHarness]:
        with closing(KeymintHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
            yield harness


class KeymintGeneration2Harness(KeymintHarness):
    """The same emulator, spoken to in generation 2 (``/key/activate``, ``GET /key``...)."""

    def backend(self, **overrides: Any) -> KeymintBackend:
        return super().backend(**{"api_generation": 2, **overrides})


class TestKeymintGeneration2Contract(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[BackendHarness]:
        clock = ManualClock(EMULATOR_EPOCH)
        with closing(KeymintGeneration2Harness(tmp_path, clock=clock)) as harness:
            yield harness

    def test_the_backend_speaks_generation_2(self, harness: BackendHarness) -> None:
        harness.make_guard().activate(harness.license_key)
        paths = {record.path for record in harness.emulator.request_log}
        assert paths == {"/key/activate", "/key"}


class TestKeygenContract(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[BackendHarness]:
        with closing(KeygenHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
            yield harness


VENDOR_SUITE = """
from contextlib import closing

import pytest

from license_guard import KeymintBackend
from license_guard.clock import ManualClock
from license_guard.testing import EMULATOR_EPOCH
from license_guard.testing.contract import BackendContract
from license_guard.testing.harness import KeygenHarness


class TestVendorKeygen(BackendContract):
    @pytest.fixture
    def harness(self, tmp_path):
        with closing(KeygenHarness(tmp_path, clock=ManualClock(EMULATOR_EPOCH))) as harness:
            yield harness
"""


def test_a_vendor_suite_runs_the_contract_without_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_vendor.py").write_text(VENDOR_SUITE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(_contract_tests())} passed" in result.stdout


def _contract_tests() -> list[str]:
    return [name for name in dir(BackendContract) if name.startswith("test_")]
