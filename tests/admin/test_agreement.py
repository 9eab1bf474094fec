"""The admin client, the emulator and the guard agree: what the vendor does, the app sees.

The admin client uses the vendor's token; each guard the product-scoped token an app ships with.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from license_guard import (
    ActivationLimitError,
    DeviceDeactivatedError,
    LicenseBlockedError,
    LicenseState,
    NotActivatedError,
)
from license_guard.admin import KeymintAdmin, NewCustomer
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory

A_DAY = timedelta(hours=25)  # past the guard's default revalidate_every of 24 hours


def test_a_key_created_by_the_admin_activates_through_the_guard(
    admin: KeymintAdmin, make_guard: GuardFactory
) -> None:
    key = admin.create_key(uses_per_key=2, new_customer=NewCustomer("Jane Doe", "jane@x.io"))
    guard = make_guard()

    status = guard.activate(key, device_tag="Studio PC")

    assert status.state is LicenseState.ACTIVE
    assert (status.licensee_name, status.licensee_email) == ("Jane Doe", "jane@x.io")
    details = admin.get_key(key)
    assert status.expires_at == details.license.expires_at
    assert [(d.host_id, d.device_tag) for d in details.license.devices] == [
        (guard.host_id, "Studio PC")
    ]
    assert details.license.seats_left == 1


def test_the_admins_seat_limit_is_the_guards(admin: KeymintAdmin, make_guard: GuardFactory) -> None:
    key = admin.create_key(uses_per_key=1)
    make_guard("machine-a").activate(key)
    with pytest.raises(ActivationLimitError, match="1 of 1"):
        make_guard("machine-b").activate(key)


def test_a_block_is_seen_at_the_guards_next_check_and_an_unblock_too(
    admin: KeymintAdmin, keymint_seed: Seed, make_guard: GuardFactory, emulator_clock: ManualClock
) -> None:
    guard = make_guard()
    guard.activate(keymint_seed.license_key)

    admin.block_key(keymint_seed.license_key)
    assert guard.ensure_activated().state is LicenseState.ACTIVE  # no check due: offline
    emulator_clock.advance(A_DAY)
    with pytest.raises(LicenseBlockedError):
        guard.ensure_activated()
    assert guard.status().state is LicenseState.DENIED
    with pytest.raises(LicenseBlockedError):
        make_guard("machine-b").activate(keymint_seed.license_key)

    admin.unblock_key(keymint_seed.license_key)
    assert guard.ensure_activated().state is LicenseState.ACTIVE  # a revoked lease asks again


def test_freeing_a_device_is_seen_at_its_next_check(
    admin: KeymintAdmin,
    keymint_seed: Seed,
    make_guard: GuardFactory,
    emulator_clock: ManualClock,
) -> None:
    this, other = make_guard(), make_guard("machine-b")
    this.activate(keymint_seed.license_key)
    other.activate(keymint_seed.license_key)

    assert admin.deactivate_device(keymint_seed.license_key, this.host_id) is True
    emulator_clock.advance(A_DAY)
    with pytest.raises(DeviceDeactivatedError):
        this.ensure_activated()
    assert other.ensure_activated().state is LicenseState.ACTIVE  # its seat is untouched

    this.activate(keymint_seed.license_key)  # the customer's new start on this machine
    hosts = {d.host_id for d in admin.get_key(keymint_seed.license_key).license.devices}
    assert hosts == {this.host_id, other.host_id}


def test_a_freed_seat_taken_by_another_machine_is_still_a_removed_device(
    admin: KeymintAdmin, make_guard: GuardFactory, emulator_clock: ManualClock
) -> None:
    key = admin.create_key(uses_per_key=1)
    old_laptop = make_guard("old-laptop")
    old_laptop.activate(key)
    admin.deactivate_device(key, old_laptop.host_id)
    make_guard("new-laptop").activate(key)  # the freed seat is taken again at once
    emulator_clock.advance(A_DAY)
    with pytest.raises(DeviceDeactivatedError):  # not "limit reached": its seat was freed
        old_laptop.ensure_activated()


def test_freeing_every_device(
    admin: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    make_guard: GuardFactory,
    emulator_clock: ManualClock,
) -> None:
    guards = [make_guard(f"machine-{n}") for n in range(3)]
    for guard in guards:
        guard.activate(keymint_seed.license_key)
    assert admin.get_key(keymint_seed.license_key).license.activations == 3

    assert admin.deactivate_all(keymint_seed.license_key) is True
    emulator_clock.advance(A_DAY)
    for guard in guards:
        with pytest.raises(DeviceDeactivatedError):
            guard.ensure_activated()
    assert admin.get_key(keymint_seed.license_key).license.devices == ()


def test_a_released_seat_is_gone_for_the_admin_too(
    admin: KeymintAdmin, keymint_seed: Seed, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    guard.activate(keymint_seed.license_key)
    assert guard.release() is True
    assert admin.get_key(keymint_seed.license_key).license.devices == ()
    assert admin.deactivate_device(keymint_seed.license_key, guard.host_id) is False
    with pytest.raises(NotActivatedError):
        guard.ensure_activated()
