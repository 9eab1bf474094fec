"""A lease that was edited, truncated or copied from another computer is caught and set aside."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from license_guard import LeaseError, LicenseGuard, LicenseState, NotActivatedError
from license_guard._record import replace
from license_guard.emulator import Emulator, Seed
from license_guard.lease import lease_key, seal_lease

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
    assert status.state is LicenseState.UNTRUSTED
    assert "left where it is" in status.detail
    assert activated.store.path.read_bytes() == b"garbage"  # a report changes nothing


def test_releasing_with_an_untrusted_lease_says_the_seat_was_not_freed(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    activated.store.path.write_bytes(b"garbage")
    with pytest.raises(LeaseError, match=r"was not freed .* ask the vendor to free host ID"):
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
    assert result.stdout.split() == ["machine-id", "untrusted"]


def test_no_seat_is_promised_for_a_lease_copied_from_another_computer(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed, tmp_path: Path
) -> None:
    machine_a = make_guard(machine="raw-id-of-machine-a")
    machine_a.activate(keymint_seed.license_key)
    machine_b = make_guard(machine="raw-id-of-machine-b", data_dir=tmp_path / "b")
    machine_b.store.directory.mkdir(parents=True)
    shutil.copy(machine_a.store.path, machine_b.store.path)

    with pytest.raises(LeaseError, match="moved aside") as caught:
        machine_b.ensure_activated()

    assert "does not use another seat" not in str(caught.value)
    assert "uses another seat only if the file came from another computer" in str(caught.value)
    machine_b.activate(keymint_seed.license_key)  # and indeed it does
    assert seats(keymint_emulator, keymint_seed)[0] == 2


def test_no_seat_is_taken_again_for_this_computers_own_lease(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    # A lease that opens under this computer's key but fails a later check (here: re-sealed as
    # air-gapped, which a Keymint lease cannot be) was this computer's own.
    store = activated.store
    lease = store.load()
    assert lease is not None
    key = lease_key(
        activated.identity.raw_id, app_id=activated.app_id, product_id=keymint_seed.product_id
    )
    store.path.write_bytes(seal_lease(replace(lease, air_gapped=True), key))

    with pytest.raises(LeaseError, match="moved aside") as caught:
        make_guard().ensure_activated()

    assert "(this does not use another seat)" in str(caught.value)
    make_guard().activate(keymint_seed.license_key)
    assert seats(keymint_emulator, keymint_seed)[0] == 1


def test_a_lease_without_a_server_is_confirmed_by_this_apps_server_at_once(
    activated: LicenseGuard,
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
) -> None:
    # Written before leases recorded their server: accepted, but asked about at the next start.
    lease = activated.store.load()
    assert lease is not None
    assert lease.server == activated.backend.server
    key = lease_key(
        activated.identity.raw_id, app_id=activated.app_id, product_id=keymint_seed.product_id
    )
    activated.store.path.write_bytes(seal_lease(replace(lease, server=None), key))
    keymint_emulator.clear_request_log()

    guard = make_guard()
    assert guard.ensure_activated().state is LicenseState.ACTIVE

    assert [r.path for r in keymint_emulator.request_log] == ["/get-key", "/activate-key"]
    renewed = guard.store.load()
    assert renewed is not None
    assert renewed.server == guard.backend.server
