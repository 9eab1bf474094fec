"""release(): frees the seat and forgets the lease; offline it keeps both and says so."""

from __future__ import annotations

import pytest

from license_guard import LicenseGuard, LicenseState, LicenseUnreachableError, NotActivatedError
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory, seats


def test_release_frees_the_seat_and_removes_the_lease(
    activated: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    assert seats(keymint_emulator, keymint_seed)[0] == 1
    assert activated.release() is True
    assert seats(keymint_emulator, keymint_seed) == (0, [])
    assert not activated.store.path.exists()
    with pytest.raises(NotActivatedError):
        activated.ensure_activated()


def test_release_with_nothing_to_release(guard: LicenseGuard, keymint_emulator: Emulator) -> None:
    keymint_emulator.clear_request_log()
    assert guard.release() is False
    assert keymint_emulator.request_log == []


def test_release_when_the_server_already_freed_the_seat(
    activated: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.deactivate(keymint_seed.product_id, keymint_seed.license_key)
    assert activated.release() is False
    assert not activated.store.path.exists()


def test_release_offline_keeps_the_lease_for_a_retry(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    make_guard: GuardFactory,
) -> None:
    keymint_emulator.faults.reset()
    with pytest.raises(LicenseUnreachableError):
        activated.release()
    assert activated.store.path.exists()
    assert make_guard().status().state is LicenseState.ACTIVE
    keymint_emulator.faults.clear()
    assert make_guard().release() is True
    assert seats(keymint_emulator, keymint_seed)[0] == 0


def test_release_of_a_blocked_key_still_frees_the_seat(
    activated: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    activated.release()
    assert seats(keymint_emulator, keymint_seed)[0] == 0
