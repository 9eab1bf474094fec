"""FINGERPRINT_TAKEN under Keygen's machine uniqueness strategies.

Per license (the default) a taken fingerprint is this license's own machine: another process of
this device was first. Per account, product or policy it may be another license's: the backend
must tell the two apart and never tell a first-time user "this computer's activation was
removed". The emulator enforces each strategy as keygen-api's Machine validation does.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from license_guard import DeviceDeactivatedError, LicenseDeniedError, LicenseState
from license_guard.emulator.keygen import KeygenApiError, MachineUniqueness
from license_guard.testing.harness import KeygenHarness

WIDER = [
    (MachineUniqueness.UNIQUE_PER_ACCOUNT, "across all of the vendor's products"),
    (MachineUniqueness.UNIQUE_PER_PRODUCT, "for this product"),
    (MachineUniqueness.UNIQUE_PER_POLICY, "for this kind of license"),
]


def _keys(keygen: KeygenHarness, strategy: MachineUniqueness) -> tuple[str, str]:
    policy = keygen.emulator.create_policy(
        keygen.seed.product_id, max_machines=3, machine_uniqueness=strategy
    )
    return keygen.emulator.create_license(policy).key, keygen.emulator.create_license(policy).key


@pytest.mark.parametrize(("strategy", "words"), WIDER, ids=str)
def test_a_computer_held_by_another_license_is_told_so(
    keygen: KeygenHarness, tmp_path: Path, strategy: MachineUniqueness, words: str
) -> None:
    first, second = _keys(keygen, strategy)
    keygen.make_guard(data_dir=tmp_path / "first").activate(first)
    guard = keygen.make_guard(data_dir=tmp_path / "second")  # this computer, another key
    with pytest.raises(LicenseDeniedError) as refused:
        guard.activate(second)
    assert not isinstance(refused.value, DeviceDeactivatedError)
    assert "already activated with another license key" in str(refused.value)
    assert words in str(refused.value)
    assert guard.status().state is LicenseState.NOT_ACTIVATED
    assert len(keygen.emulator.machines(second)) == 0


def test_per_license_two_licenses_may_share_a_computer(
    keygen: KeygenHarness, tmp_path: Path
) -> None:
    first, second = _keys(keygen, MachineUniqueness.UNIQUE_PER_LICENSE)
    keygen.make_guard(data_dir=tmp_path / "first").activate(first)
    guard = keygen.make_guard(data_dir=tmp_path / "second")
    assert guard.activate(second).state is LicenseState.ACTIVE


@pytest.mark.parametrize("strategy", list(MachineUniqueness), ids=str)
def test_losing_the_race_to_another_process_of_this_device_is_still_active(
    keygen: KeygenHarness, strategy: MachineUniqueness
) -> None:
    key, _ = _keys(keygen, strategy)
    guard = keygen.make_guard()
    inner = keygen.emulator.transport()

    def race(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/machines"):  # the other process wins the race
            keygen.emulator.activate_machine(key, guard.host_id)
        return inner.handle_request(request)

    racing = keygen.make_guard(backend=keygen.backend(transport=httpx.MockTransport(race)))
    assert racing.activate(key).state is LicenseState.ACTIVE
    assert len(keygen.emulator.machines(key)) == 1


@pytest.mark.parametrize(
    ("strategy", "detail"),
    [
        (MachineUniqueness.UNIQUE_PER_ACCOUNT, "has already been taken for this account"),
        (MachineUniqueness.UNIQUE_PER_PRODUCT, "has already been taken for this product"),
        (MachineUniqueness.UNIQUE_PER_POLICY, "has already been taken for this policy"),
    ],
)
def test_the_emulator_refuses_as_keygen_does(
    keygen: KeygenHarness, strategy: MachineUniqueness, detail: str
) -> None:
    first, second = _keys(keygen, strategy)
    keygen.emulator.activate_machine(first, "fp-shared")
    with pytest.raises(KeygenApiError) as taken:
        keygen.emulator.activate_machine(second, "fp-shared")
    assert (taken.value.status, taken.value.code, taken.value.detail) == (
        422,
        "FINGERPRINT_TAKEN",
        detail,
    )
    # Outside the scope the same fingerprint is free: another product (or policy).
    other_product = keygen.emulator.create_product("Other App")
    other = keygen.emulator.create_policy(other_product, machine_uniqueness=strategy)
    other_key = keygen.emulator.create_license(other).key
    if strategy is MachineUniqueness.UNIQUE_PER_ACCOUNT:
        with pytest.raises(KeygenApiError):
            keygen.emulator.activate_machine(other_key, "fp-shared")
    else:
        keygen.emulator.activate_machine(other_key, "fp-shared")
