"""Activation against the emulator: what lands on the server, in the lease, and every refusal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from license_guard import (
    AccessTokenError,
    ActivationLimitError,
    CustomerInactiveError,
    InvalidLicenseKeyError,
    LicenseBlockedError,
    LicenseExpiredError,
    LicenseGuard,
    LicenseState,
    NotActivatedError,
    ProductNotFoundError,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import FEATURES, GuardFactory, seats


def test_activation_registers_this_host_and_stores_a_lease(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    status = guard.activate(keymint_seed.license_key, device_tag="Studio PC")
    assert status.state is LicenseState.ACTIVE
    assert status.is_licensed
    assert status.host_id == guard.host_id
    assert len(guard.host_id) == 64
    assert status.features == FEATURES
    assert status.licensee_name
    assert status.key_hint == "…" + keymint_seed.license_key[-4:]
    assert status.expires_at is not None
    assert seats(keymint_emulator, keymint_seed) == (1, [guard.host_id])
    device = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)[
        "license"
    ]["devices"][0]
    assert device["device_tag"] == "Studio PC"
    assert guard.store.path.exists()


def test_activation_calls_activate_then_get_key(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.clear_request_log()
    guard.activate(keymint_seed.license_key)
    assert [r.path for r in keymint_emulator.request_log] == ["/activate-key", "/get-key"]


def test_reactivating_the_same_host_takes_no_extra_seat(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    first = make_guard()
    first.activate(keymint_seed.license_key)
    first.store.path.unlink()  # the lease is lost (reinstall, wiped profile)
    second = make_guard()
    with pytest.raises(NotActivatedError):
        second.ensure_activated()
    second.activate(keymint_seed.license_key)
    assert seats(keymint_emulator, keymint_seed) == (1, [first.host_id])


def test_a_full_license_refuses_another_machine(
    make_guard: GuardFactory, keymint_emulator: Emulator, tmp_path: Path
) -> None:
    product = keymint_emulator.stored_seed()
    assert product is not None
    key = keymint_emulator.create_key(product.product_id, uses_per_key=2)
    for n in range(2):
        make_guard(machine=f"pc-{n}", data_dir=tmp_path / f"pc-{n}").activate(key)
    third = make_guard(machine="pc-3", data_dir=tmp_path / "pc-3")
    with pytest.raises(ActivationLimitError, match="2 of 2"):
        third.activate(key)
    assert not third.store.path.exists()


def test_unknown_and_malformed_keys(guard: LicenseGuard, keymint_emulator: Emulator) -> None:
    keymint_emulator.clear_request_log()
    with pytest.raises(InvalidLicenseKeyError, match="23 to 256"):
        guard.activate("short")
    assert keymint_emulator.request_log == []  # refused locally, nothing sent
    with pytest.raises(InvalidLicenseKeyError, match="not valid"):
        guard.activate("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")


def test_a_blocked_key_cannot_be_activated(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    with pytest.raises(LicenseBlockedError) as caught:
        guard.activate(keymint_seed.license_key)
    assert caught.value.server_message  # the server's own words are kept for support
    assert seats(keymint_emulator, keymint_seed)[0] == 0


def test_an_expired_key_cannot_be_activated(
    guard: LicenseGuard, keymint_emulator: Emulator, emulator_clock: ManualClock
) -> None:
    seed = keymint_emulator.stored_seed()
    assert seed is not None
    key = keymint_emulator.create_key(
        seed.product_id, expires_at=emulator_clock.now() + timedelta(days=1)
    )
    emulator_clock.advance(timedelta(days=2))
    with pytest.raises(LicenseExpiredError, match="expired on"):
        guard.activate(key)


def test_an_inactive_customer_cannot_activate(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.set_customer_active(keymint_seed.customer_id, False)
    with pytest.raises(CustomerInactiveError):
        guard.activate(keymint_seed.license_key)


def test_bad_token_and_bad_product_are_configuration_errors(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    with pytest.raises(AccessTokenError, match="access token"):
        make_guard(access_token="at_not-a-real-token-at-all").activate(keymint_seed.license_key)
    keymint_emulator.set_product_active(keymint_seed.product_id, False)
    with pytest.raises(ProductNotFoundError):
        make_guard().activate(keymint_seed.license_key)


def test_a_token_of_another_product_is_refused(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    other_product = keymint_emulator.create_product("Other App")
    token = keymint_emulator.create_access_token(product_id=other_product)
    with pytest.raises(AccessTokenError):
        make_guard(access_token=token).activate(keymint_seed.license_key)


def test_activating_another_key_frees_the_old_seat(
    activated: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    new_key = keymint_emulator.create_key(keymint_seed.product_id, uses_per_key=1)
    activated.activate(new_key)
    assert seats(keymint_emulator, keymint_seed) == (0, [])
    assert activated.status().key_hint == "…" + new_key[-4:]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"online_timeout": "5"}, "online_timeout"),
        ({"activation_timeout": 0}, "activation_timeout"),
        ({"seen_time_step": 60}, "seen_time_step"),
        ({"machine": 42}, "device_id"),
    ],
)
def test_bad_guard_options_are_configuration_errors(
    make_guard: GuardFactory, options: dict[str, object], match: str
) -> None:
    from license_guard import ConfigurationError

    with pytest.raises(ConfigurationError, match=match):
        make_guard(**options)


def test_bad_activation_arguments(guard: LicenseGuard, keymint_seed: Seed) -> None:
    from license_guard import ConfigurationError

    with pytest.raises(ConfigurationError, match="device_tag"):
        guard.activate(keymint_seed.license_key, device_tag=123)  # type: ignore[arg-type]
    # A key with a character no key has (as a mangled command line gives) is refused early,
    # and the refusal does not quote it.
    with pytest.raises(InvalidLicenseKeyError) as caught:
        guard.activate(keymint_seed.license_key[:-1] + "\udcff")
    assert keymint_seed.license_key[:-1] not in str(caught.value)


def test_features_must_be_names_not_one_string(keymint_seed: Seed) -> None:
    from license_guard import ConfigurationError, KeymintBackend

    with pytest.raises(ConfigurationError, match="not one string"):
        KeymintBackend(
            product_id=keymint_seed.product_id,
            access_token=keymint_seed.access_token,
            features="export-4k",
        )
