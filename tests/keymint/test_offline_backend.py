"""A Keymint signed offline license (.lic) as the lease's proof: activation from a file the
vendor signed (``/key/sign``), kept exactly as issued, verified on every load; and the relay's
hook, an activation answer that carries one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from license_guard import (
    ConfigurationError,
    LicenseExpiredError,
    OfflineLicenseError,
    OfflineLicenseMachineError,
    OfflineLicenseProductError,
)
from license_guard._record import replace
from license_guard.admin import KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.errors import InvalidResponseError, LeaseError
from license_guard.status import LicenseState
from tests.backends.conftest import reseal
from tests.keymint.conftest import BackendFactory, GuardMaker
from tests.keymint.wire import Rewriting

DAY = timedelta(days=1)


@pytest.fixture
def offline_options(keymint_emulator: Emulator) -> dict[str, Any]:
    return {"public_keys": [keymint_emulator.public_key_pem], "allow_offline_activation": True}


def test_a_file_from_key_sign_activates_without_the_network(
    make_guard: GuardMaker,
    admin: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    offline_options: dict[str, Any],
) -> None:
    guard = make_guard(**offline_options)
    signed = admin.sign_offline_license(keymint_seed.license_key, guard.host_id, ttl=10 * 86400)
    requests = len(keymint_emulator.request_log)
    keymint_emulator.faults.reset()  # the computer cannot reach the server
    status = guard.activate(keymint_seed.license_key, signed_file=signed)
    assert status.state is LicenseState.ACTIVE
    assert status.expires_at == emulator_clock.now() + 10 * DAY
    assert len(keymint_emulator.request_log) == requests
    lease = guard.store.load()
    assert lease is not None
    assert (lease.air_gapped, lease.signed_data) == (True, signed)  # kept exactly as issued
    # Past the file's expiry, the app stops: the expiry comes from the signed file.
    emulator_clock.advance(10 * DAY + timedelta(seconds=1))
    with pytest.raises(LicenseExpiredError):
        make_guard(**offline_options).ensure_activated()


def test_the_signed_facts_win_over_a_forged_lease(
    make_guard: GuardMaker,
    admin: KeymintAdmin,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    offline_options: dict[str, Any],
) -> None:
    guard = make_guard(**offline_options)
    signed = admin.sign_offline_license(keymint_seed.license_key, guard.host_id, ttl=2 * 86400)
    guard.activate(keymint_seed.license_key, signed_file=signed)
    lease = guard.store.load()
    assert lease is not None
    # Someone with the sealing key writes a later expiry: every load re-reads the signed one.
    reseal(guard, replace(lease, expires_at=lease.expires_at + 365 * DAY))  # type: ignore[operator]
    status = make_guard(**offline_options).ensure_activated()
    assert status.expires_at == emulator_clock.now() + 2 * DAY
    # ... or another computer's file: refused on load.
    other = admin.sign_offline_license(keymint_seed.license_key, "another-computer")
    reseal(guard, replace(lease, signed_data=other))
    with pytest.raises(LeaseError, match="another computer"):
        make_guard(**offline_options).ensure_activated()


def test_refusals_name_what_is_wrong(
    make_backend: BackendFactory,
    admin: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    offline_options: dict[str, Any],
) -> None:
    backend = make_backend(**offline_options)
    key, now = keymint_seed.license_key, emulator_clock.now()
    mine = admin.sign_offline_license(key, "my-host", ttl=3600)
    assert backend.activate_offline(mine, license_key=key, host_id="my-host", now=now).signed_data
    with pytest.raises(OfflineLicenseMachineError):
        backend.activate_offline(mine, license_key=key, host_id="other-host", now=now)
    with pytest.raises(LicenseExpiredError) as expired:
        backend.activate_offline(mine, license_key=key, host_id="my-host", now=now + 2 * DAY)
    assert expired.value.expired_at == now + timedelta(hours=1)
    with pytest.raises(OfflineLicenseError) as wrong_key:
        backend.activate_offline(
            mine, license_key="ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", host_id="my-host", now=now
        )
    assert wrong_key.value.reason == "wrong_key"
    tampered = json.loads(mine)
    token = tampered["signedKey"]
    # A character well inside the signature (the last ones carry padding bits a decoder drops).
    flipped = "B" if token[-10] == "A" else "A"
    tampered["signedKey"] = token[:-10] + flipped + token[-9:]
    with pytest.raises(OfflineLicenseError) as bad:
        backend.activate_offline(json.dumps(tampered), license_key=key, host_id="my-host", now=now)
    assert bad.value.reason == "bad_signature"
    other_product = keymint_emulator.create_product("Other App")
    other_key = keymint_emulator.create_key(other_product)
    theirs = admin.sign_offline_license(other_key, "my-host", product_id=other_product)
    with pytest.raises(OfflineLicenseProductError):
        backend.activate_offline(theirs, license_key=other_key, host_id="my-host", now=now)


def test_offline_activation_is_off_unless_allowed(
    make_backend: BackendFactory, keymint_emulator: Emulator
) -> None:
    backend = make_backend(public_keys=[keymint_emulator.public_key_pem])
    with pytest.raises(ConfigurationError, match="cannot activate from a file"):
        backend.activate_offline("{}", license_key="A" * 23, host_id="h", now=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="public keys"):
        make_backend(allow_offline_activation=True)
    with pytest.raises(ConfigurationError, match="public_keys"):
        make_backend(public_keys=["not a key"], allow_offline_activation=True).activate_offline(
            "{}",
            license_key="A" * 23,
            host_id="h",
            now=None,  # type: ignore[arg-type]
        )


def _carrying_a_signed_file(
    admin: KeymintAdmin, seed: Seed, host_id: str, *, forge: bool = False
) -> Any:
    """An activation answer with the device's .lic in it, as the relay will send."""

    def rewrite(request: httpx.Request, status: int, body: Any) -> tuple[int, Any] | None:
        if request.url.path != "/key/activate" or status != 200:
            return None
        signed = admin.sign_offline_license(seed.license_key, host_id, ttl=3 * 86400)
        if forge:
            wrapper = json.loads(signed)
            wrapper["signedKey"] = wrapper["signedKey"][:-3] + "AAA"
            signed = json.dumps(wrapper)
        return status, {**body, "signedFile": signed}

    return rewrite


@pytest.mark.parametrize("forge", [False, True])
def test_an_activation_answer_may_carry_the_signed_file(
    make_guard: GuardMaker,
    admin: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
    forge: bool,
) -> None:
    probe = make_guard("probe")
    rewrite = _carrying_a_signed_file(admin, keymint_seed, probe.host_id, forge=forge)
    transport = Rewriting(keymint_emulator.transport(), rewrite)
    guard = make_guard("probe", transport=transport, public_keys=[keymint_emulator.public_key_pem])
    if forge:
        with pytest.raises(InvalidResponseError, match="did not verify"):
            guard.activate(keymint_seed.license_key)
        return
    guard.activate(keymint_seed.license_key)
    lease = guard.store.load()
    assert lease is not None
    assert lease.signed_data is not None
    assert not lease.air_gapped
    assert lease.offline_until == emulator_clock.now() + 3 * DAY  # bounds the offline grace
    # Without the public keys the file cannot be checked, so it is not kept.
    plain = make_guard("plain", transport=Rewriting(keymint_emulator.transport(), rewrite))
    plain.activate(keymint_seed.license_key)
    kept = plain.store.load()
    assert kept is not None
    assert kept.signed_data is None
