"""The Keygen flows against the emulator: activation, checks, heartbeats, deactivation, refusals."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from license_guard import (
    ActivationLimitError,
    DeviceDeactivatedError,
    FeatureNotLicensedError,
    GracePeriodExpiredError,
    InvalidLicenseKeyError,
    LicenseBlockedError,
    LicenseExpiredError,
    LicenseState,
)
from license_guard.clock import ManualClock
from license_guard.emulator.keygen import ExpirationStrategy, HeartbeatStatus
from license_guard.keygen import verify_machine_file
from license_guard.refresh import BackgroundRefresher, RefreshSchedule
from license_guard.testing.harness import KeygenHarness

from .conftest import api_calls, stored_lease


def test_activation_creates_the_machine_and_keeps_its_signed_file(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard()
    keygen.emulator.clear_request_log()
    status = guard.activate(keygen.license_key, device_tag="Studio PC")
    host = guard.host_id
    assert api_calls(keygen) == [
        ("POST", "/licenses/actions/validate-key"),
        ("POST", "/machines"),
        ("POST", f"/machines/{host}/actions/check-out"),
    ]
    (machine,) = keygen.emulator.machines(keygen.license_key)
    assert (machine.fingerprint, machine.name) == (host, "Studio PC")
    assert status.state is LicenseState.ACTIVE
    assert status.features == {"export-4k"}
    assert status.expires_at == keygen.emulator.license(keygen.license_key).expiry
    signed = stored_lease(guard).signed_data
    assert signed is not None
    assert signed.startswith("-----BEGIN MACHINE FILE-----")
    verified = verify_machine_file(
        signed, public_key=keygen.seed.public_key, license_key=keygen.license_key, fingerprint=host
    )
    assert verified.dataset.data.id == machine.id


def test_a_check_validates_and_renews_the_machine_file(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    guard = keygen.make_guard()
    guard.activate(keygen.license_key)
    first = stored_lease(guard).signed_data
    clock.advance(timedelta(hours=25))
    keygen.emulator.clear_request_log()
    assert keygen.make_guard().ensure_activated().state is LicenseState.ACTIVE
    assert api_calls(keygen) == [
        ("POST", "/licenses/actions/validate-key"),
        ("POST", f"/machines/{guard.host_id}/actions/check-out"),
    ]
    assert stored_lease(guard).signed_data not in (None, first)


def test_entitlements_gate_calls_offline(keygen: KeygenHarness) -> None:
    policy = keygen.emulator.create_policy(
        keygen.seed.product_id, max_machines=3, entitlements=("export-4k", "batch")
    )
    key = keygen.emulator.create_license(policy).key
    keygen.make_guard().activate(key)
    keygen.faults.reset()  # no server from now on
    keygen.emulator.clear_request_log()
    guard = keygen.make_guard()
    assert guard.ensure_activated().features == {"export-4k", "batch"}

    @guard.require("batch")
    def batch() -> str:
        return "batched"

    @guard.require("cloud-sync")
    def sync() -> str:
        return "synced"

    assert batch() == "batched"
    with pytest.raises(FeatureNotLicensedError):
        sync()
    assert keygen.emulator.request_log == []


def test_the_machine_files_expiry_ends_offline_use(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    backend = keygen.backend(machine_file_ttl=timedelta(hours=2))
    keygen.make_guard(backend=backend).activate(keygen.license_key)
    keygen.faults.reset()
    clock.advance(timedelta(hours=1, minutes=59))
    assert keygen.make_guard().ensure_activated().state is LicenseState.ACTIVE
    clock.advance(timedelta(minutes=2))
    with pytest.raises(GracePeriodExpiredError):
        keygen.make_guard().ensure_activated()
    keygen.faults.clear()  # online again: a new machine file, a new window
    assert keygen.make_guard().ensure_activated().state is LicenseState.ACTIVE


def test_the_files_expiry_is_taken_as_given_not_recomputed(keygen: KeygenHarness) -> None:
    backend = keygen.backend(machine_file_ttl=timedelta(seconds=31536000))
    guard = keygen.make_guard(backend=backend)
    guard.activate(keygen.license_key)
    issued = keygen.clock.now()
    # Keygen adds 31536000 s as 11 months, 4 weeks, 2 days and 4:39:54, not as 365 days.
    assert stored_lease(guard).offline_until == issued.replace(year=2030, month=12) + timedelta(
        days=30, hours=4, minutes=39, seconds=54
    )
    assert stored_lease(guard).offline_until != issued + timedelta(seconds=31536000)


def test_a_policy_with_heartbeats(keygen: KeygenHarness, clock: ManualClock) -> None:
    policy = keygen.emulator.create_policy(
        keygen.seed.product_id, max_machines=2, entitlements=("export-4k",), require_heartbeat=True
    )
    key = keygen.emulator.create_license(policy).key
    guard = keygen.make_guard()
    keygen.emulator.clear_request_log()
    guard.activate(key)
    assert api_calls(keygen)[-1] == ("POST", f"/machines/{_machine_id(keygen, key)}/actions/ping")
    assert keygen.emulator.heartbeat_status(key, guard.host_id) is HeartbeatStatus.ALIVE

    clock.advance(timedelta(minutes=9))
    assert guard.heartbeat() == timedelta(minutes=9, seconds=30)
    clock.advance(timedelta(minutes=9))
    assert guard.ensure_activated().state is LicenseState.ACTIVE  # kept alive

    clock.advance(timedelta(minutes=11))  # the app was closed: no heartbeat for too long
    with pytest.raises(DeviceDeactivatedError, match="heartbeat"):
        guard.heartbeat()
    assert guard.status().state is LicenseState.DENIED
    assert guard.heartbeat() is None  # nothing to keep alive any more

    guard.activate(key)  # the dead machine's seat is reused, not added to
    assert guard.status().state is LicenseState.ACTIVE
    assert len(keygen.emulator.machines(key)) == 1


def test_the_background_refresher_sends_the_heartbeats(keygen: KeygenHarness) -> None:
    policy = keygen.emulator.create_policy(keygen.seed.product_id, require_heartbeat=True)
    key = keygen.emulator.create_license(policy).key
    guard = keygen.make_guard()
    guard.activate(key)
    keygen.emulator.clear_request_log()
    refresher = guard.start_background_refresh()
    try:
        _wait_for(lambda: refresher.heartbeats >= 1)
    finally:
        guard.stop_background_refresh()
    assert refresher.heartbeats >= 1
    assert ("POST", f"/machines/{_machine_id(keygen, key)}/actions/ping") in api_calls(keygen)


def test_a_failed_heartbeat_is_retried_well_within_its_period(keygen: KeygenHarness) -> None:
    policy = keygen.emulator.create_policy(keygen.seed.product_id, require_heartbeat=True)
    key = keygen.emulator.create_license(policy).key
    guard = keygen.make_guard()
    guard.activate(key)
    keygen.faults.reset()  # the network drops every connection for a while
    schedule = RefreshSchedule(
        interval=timedelta(hours=24),
        retry_initial=timedelta(milliseconds=20),
        retry_max=timedelta(milliseconds=200),
    )
    refresher = BackgroundRefresher(guard, schedule=schedule)
    refresher.start()
    try:
        _wait_for(lambda: len(keygen.emulator.request_log) >= 8)  # two beats, with retries
        assert refresher.heartbeats == 0
        keygen.faults.clear()
        _wait_for(lambda: refresher.heartbeats >= 1)
    finally:
        refresher.stop()
    assert keygen.emulator.heartbeat_status(key, guard.host_id) is HeartbeatStatus.ALIVE


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_machine_removed_on_the_server_is_refused_without_a_new_seat(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    guard = keygen.make_guard()
    guard.activate(keygen.license_key)
    assert keygen.emulator.deactivate_machine(keygen.license_key, guard.host_id) == 1
    clock.advance(timedelta(hours=25))
    with pytest.raises(DeviceDeactivatedError, match="Activate it again"):
        guard.ensure_activated()
    assert keygen.seats() == 0
    assert guard.release() is False  # nothing left to free
    keygen.make_guard().activate(keygen.license_key)
    assert keygen.seats() == 1


def test_release_deletes_the_machine(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard()
    guard.activate(keygen.license_key)
    keygen.emulator.clear_request_log()
    assert guard.release() is True
    assert api_calls(keygen) == [("DELETE", f"/machines/{guard.host_id}")]
    assert keygen.emulator.request_log[0].status == 204


def test_refusals_at_activation(keygen: KeygenHarness, clock: ManualClock) -> None:
    emulator, product = keygen.emulator, keygen.seed.product_id
    guard = keygen.make_guard()
    with pytest.raises(InvalidLicenseKeyError, match="not valid"):
        guard.activate("0000AA-0000AA-0000AA-0000AA-0000AA-V3")
    other_product = emulator.create_policy(emulator.create_product("Other App"))
    with pytest.raises(InvalidLicenseKeyError, match="another product"):
        guard.activate(emulator.create_license(other_product).key)
    emulator.suspend_license(keygen.license_key)
    with pytest.raises(LicenseBlockedError, match="suspended") as blocked:
        guard.activate(keygen.license_key)
    assert blocked.value.server_message == "is suspended"
    policy = emulator.create_policy(product, max_machines=1)
    expired_at = clock.now() - timedelta(days=1)
    with pytest.raises(LicenseExpiredError) as expired:
        guard.activate(emulator.create_license(policy, expiry=expired_at).key)
    assert expired.value.expired_at == expired_at
    revoking = emulator.create_policy(product, expiration_strategy="REVOKE_ACCESS")
    with pytest.raises(LicenseExpiredError):
        guard.activate(emulator.create_license(revoking, expiry=expired_at).key)
    single = emulator.create_license(policy).key
    keygen.make_guard(machine="first-pc", data_dir=keygen.storage_root / "first").activate(single)
    with pytest.raises(ActivationLimitError):
        guard.activate(single)
    assert not guard.store.path.exists()


def test_valid_with_an_expired_code_is_honoured_when_the_policy_allows_it(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    emulator, product = keygen.emulator, keygen.seed.product_id
    allowing = emulator.create_policy(product, expiration_strategy=ExpirationStrategy.ALLOW_ACCESS)
    key = emulator.create_license(allowing, expiry=clock.now() - timedelta(days=3)).key
    status = keygen.make_guard().activate(key)
    assert status.state is LicenseState.ACTIVE
    assert status.expires_at is None  # the signed policy says the expiry does not stop the app

    maintaining = emulator.create_policy(product, expiration_strategy="MAINTAIN_ACCESS")
    key = emulator.create_license(maintaining, expiry=clock.now() + timedelta(days=3)).key
    guard = keygen.make_guard(machine="pc-2", data_dir=keygen.storage_root / "pc-2")
    guard.activate(key)
    clock.advance(timedelta(days=4))  # expired now, and still maintained
    assert guard.ensure_activated().state is LicenseState.ACTIVE
    other = keygen.make_guard(machine="pc-3", data_dir=keygen.storage_root / "pc-3")
    with pytest.raises(LicenseExpiredError, match="expired on"):
        other.activate(key)  # but no new machine


def test_fingerprint_taken_means_another_process_activated_first(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard()
    inner = keygen.emulator.transport()

    def race(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/machines"):  # the other process wins the race
            keygen.emulator.activate_machine(keygen.license_key, guard.host_id)
        return inner.handle_request(request)

    racing = keygen.make_guard(backend=keygen.backend(transport=httpx.MockTransport(race)))
    assert racing.activate(keygen.license_key).state is LicenseState.ACTIVE
    assert [r.status for r in keygen.emulator.request_log][-2:] == [422, 200]
    assert keygen.seats() == 1


def test_signed_license_keys_are_verified_before_anything_is_sent(keygen: KeygenHarness) -> None:
    policy = keygen.emulator.create_policy(keygen.seed.product_id, scheme="ED25519_SIGN")
    key = keygen.emulator.create_license(policy).key
    assert key.startswith("key/")
    backend = keygen.backend(key_scheme="ED25519_SIGN")
    guard = keygen.make_guard(backend=backend)
    forged = key[:10] + ("A" if key[10] != "A" else "B") + key[11:]
    keygen.emulator.clear_request_log()
    with pytest.raises(InvalidLicenseKeyError, match="not genuine"):
        guard.activate(forged)
    assert keygen.emulator.request_log == []
    assert guard.activate(key).state is LicenseState.ACTIVE


def _machine_id(keygen: KeygenHarness, key: str) -> str:
    (machine,) = keygen.emulator.machines(key)
    return machine.id


def test_a_machine_file_ttl_of_none_asks_for_a_file_that_never_expires(
    keygen: KeygenHarness,
) -> None:
    # Keygen takes a missing ttl as one month; only "ttl": null means "never expires".
    guard = keygen.make_guard(backend=keygen.backend(machine_file_ttl=None))
    guard.activate(keygen.license_key)
    lease = stored_lease(guard)
    assert lease.signed_data is not None
    dataset = verify_machine_file(
        lease.signed_data,
        public_key=keygen.seed.public_key,
        license_key=keygen.license_key,
        fingerprint=guard.host_id,
    ).dataset
    assert (dataset.meta.ttl, dataset.meta.expiry) == (None, None)
    assert lease.offline_until is None
