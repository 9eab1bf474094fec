"""Keys and tokens never show up in logs, reprs, error messages or files."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from license_guard import LicenseError, LicenseGuard
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory


def test_no_secret_leaks_through_a_whole_life_cycle(
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    guard = make_guard()
    texts += [repr(guard), repr(guard.backend), repr(guard.store)]
    try:
        make_guard(access_token=keymint_seed.access_token[:-3] + "xyz").activate(
            keymint_seed.license_key
        )
    except LicenseError as exc:
        texts += [str(exc), repr(exc), str(exc.server_message)]
    status = guard.activate(keymint_seed.license_key, device_tag="Studio PC")
    texts += [repr(status), str(status.to_json())]
    keymint_emulator.faults.server_error(503, times=1)
    emulator_clock.advance(timedelta(hours=25))
    guard.ensure_activated()
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    emulator_clock.advance(timedelta(hours=25))
    try:
        guard.ensure_activated()
    except LicenseError as exc:
        texts += [str(exc), repr(exc)]
    texts.append(repr(guard.status()))
    keymint_emulator.unblock_key(keymint_seed.product_id, keymint_seed.license_key)
    guard.release()
    texts += [record.getMessage() for record in caplog.records]
    files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]

    assert len(caplog.records) > 3  # the flow did log
    for secret in (keymint_seed.license_key, keymint_seed.access_token):
        for text in texts:
            assert secret not in text, text
        for blob in files:
            assert secret.encode() not in blob


def test_reprs(guard: LicenseGuard, keymint_seed: Seed) -> None:
    assert keymint_seed.access_token not in repr(guard.backend)
    assert repr(guard.backend).endswith(f"access_token='…{keymint_seed.access_token[-4:]}')")
