"""A lease that was edited, truncated or copied from another computer is caught and set aside."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from license_guard import LeaseError, LicenseGuard, LicenseState, NotActivatedError
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory, seats


def _assert_set_aside_then_reactivates(
    guard: LicenseGuard, make_guard: GuardFactory, emulator: Emulator, seed: Seed
) -> None:
    with pytest.raises(LeaseError, match="moved aside") as caught:
        guard.ensure_activated()
    kept = caught.value.quarantined_to
    assert kept is not None
    assert kept.exists()  # kept for support, not deleted
    with pytest.raises(NotActivatedError):
        guard.ensure_activated()
    fresh = make_guard()
    fresh.activate(seed.license_key)
    assert fresh.ensure_activated().state is LicenseState.ACTIVE
    assert seats(emulator, seed)[0] == 1  # the same host again: no extra seat


def test_a_flipped_byte_is_detected(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    data = bytearray(activated.store.path.read_bytes())
    data[len(data) // 2] ^= 0x20
    activated.store.path.write_bytes(bytes(data))
    _assert_set_aside_then_reactivates(make_guard(), make_guard, keymint_emulator, keymint_seed)


def test_a_truncated_file_is_detected(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    data = activated.store.path.read_bytes()
    activated.store.path.write_bytes(data[: len(data) - 9])
    _assert_set_aside_then_reactivates(make_guard(), make_guard, keymint_emulator, keymint_seed)


def test_a_lease_copied_from_another_computer_is_detected(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed, tmp_path: Path
) -> None:
    elsewhere = make_guard(machine="the-other-computer", data_dir=tmp_path / "other")
    elsewhere.activate(keymint_seed.license_key)
    here = make_guard()
    here.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(elsewhere.store.path, here.store.path)
    with pytest.raises(LeaseError, match="another computer"):
        here.ensure_activated()
    assert here.status().state is LicenseState.NOT_ACTIVATED
    assert seats(keymint_emulator, keymint_seed)[0] == 1  # only the real one


def test_status_reports_a_bad_lease_without_raising(
    activated: LicenseGuard, make_guard: GuardFactory
) -> None:
    activated.store.path.write_bytes(b"garbage")
    status = make_guard().status()
    assert status.state is LicenseState.NOT_ACTIVATED
    assert "moved aside" in status.detail


def test_releasing_with_an_untrusted_lease_says_the_seat_may_still_be_taken(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    activated.store.path.write_bytes(b"garbage")
    with pytest.raises(LeaseError, match="may still be taken: ask the vendor to free host ID"):
        make_guard().release()
    assert seats(keymint_emulator, keymint_seed)[0] == 1  # nothing could be freed from here


def test_the_device_id_variable_is_not_honoured_unless_the_app_passes_it(
    make_guard: GuardFactory, keymint_seed: Seed, lease_dir: Path
) -> None:
    # Machine A's lease, copied to machine B whose user sets the variable to A's raw ID: an app
    # that does not pass device_id reads B's own identity, and the lease does not open.
    machine_a = make_guard(machine="raw-id-of-machine-a")
    machine_a.activate(keymint_seed.license_key)
    script = (
        "import sys\n"
        "from license_guard import KeymintBackend, LicenseGuard\n"
        "guard = LicenseGuard(app_id='com.example.photoeditor', backend=KeymintBackend(\n"
        f"    product_id={keymint_seed.product_id!r}, access_token='unused-offline-token'),\n"
        f"    data_dir={str(lease_dir)!r})\n"
        "status = guard.status()\n"
        "print(guard.identity.source, status.state.value)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LICENSE_GUARD_DEVICE_ID": "raw-id-of-machine-a"},
    )
    assert result.stdout.split() == ["machine-id", "not_activated"]
