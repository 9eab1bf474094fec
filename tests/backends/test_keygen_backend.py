"""KeygenBackend's configuration, and secrets kept out of reprs and logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from license_guard import ConfigurationError, KeygenBackend, LeaseError, LicenseState
from license_guard._record import replace
from license_guard.testing.harness import KeygenHarness

from .conftest import reseal, stored_lease

KEY = "e8601e48b69383ba520245fd07971e983d06d22c4257cfd82304601479cee788"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"public_key": "not-hex"}, "64 hex"),
        ({"public_key": KEY[:-2]}, "64 hex"),
        ({"account": ""}, "account"),
        ({"product": "a/b"}, "product"),
        ({"key_scheme": "RSA_2048_PKCS1_SIGN_V2"}, "ED25519_SIGN"),
        ({"machine_file_ttl": timedelta(minutes=30)}, "one hour"),
        ({"base_url": "ftp://example.com"}, "https://"),
    ],
)
def test_bad_configuration_is_refused_at_once(changes: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"account": "demo", "public_key": KEY, "product": "p-1"}
    with pytest.raises(ConfigurationError, match=message):
        KeygenBackend(**{**arguments, **changes})  # type: ignore[arg-type]


def test_no_key_in_reprs_or_logs(keygen: KeygenHarness, caplog: pytest.LogCaptureFixture) -> None:
    guard = keygen.make_guard()
    with caplog.at_level(logging.DEBUG):
        status = guard.activate(keygen.license_key)
        keygen.clock.advance(timedelta(days=2))
        guard.ensure_activated()
        guard.release()
    assert caplog.records  # the HTTP layer did log the calls
    shown = " ".join([caplog.text, repr(guard), repr(guard.backend), repr(status)])
    assert keygen.license_key not in shown
    assert keygen.license_key[:-4] not in shown


def test_a_keygen_lease_without_its_signed_file_is_set_aside(keygen: KeygenHarness) -> None:
    guard = keygen.make_guard()
    guard.activate(keygen.license_key)
    lease = replace(stored_lease(guard), signed_data=None)
    reseal(guard, lease)
    with pytest.raises(LeaseError, match="no signed Keygen file"):
        keygen.make_guard().ensure_activated()
    assert keygen.make_guard().status().state is LicenseState.NOT_ACTIVATED


def test_a_resealed_lease_gains_no_feature_time_or_clock(keygen: KeygenHarness) -> None:
    clock = keygen.clock
    guard = keygen.make_guard()
    activated_at = clock.now()
    guard.activate(keygen.license_key)
    lease = stored_lease(guard)
    # Someone who reads the app can derive the seal's key and write any lease; the machine
    # file inside it is what they cannot write.
    reseal(
        guard,
        replace(
            lease,
            features=lease.features | {"cloud-sync"},
            expires_at=None,
            verified_at=activated_at + timedelta(days=365),
            highest_seen=activated_at - timedelta(days=30),
        ),
    )
    keygen.faults.reset()
    status = keygen.make_guard().ensure_activated()
    assert status.features == {"export-4k"}
    assert status.expires_at == keygen.emulator.license(keygen.license_key).expiry
    assert status.verified_at == activated_at

    clock.set(activated_at - timedelta(hours=1))  # behind the file's signed issue time
    assert keygen.make_guard().status().state is LicenseState.CLOCK_ROLLBACK
    clock.set(activated_at + timedelta(days=7, minutes=1))  # the grace counts from signed time
    assert keygen.make_guard().status().state is LicenseState.GRACE_EXPIRED


def test_another_devices_machine_file_in_a_resealed_lease_is_set_aside(
    keygen: KeygenHarness,
) -> None:
    elsewhere = keygen.make_guard(machine="other-pc", data_dir=keygen.storage_root / "other")
    elsewhere.activate(keygen.license_key)
    guard = keygen.make_guard()
    guard.activate(keygen.license_key)
    foreign = stored_lease(elsewhere).signed_data
    reseal(guard, replace(stored_lease(guard), signed_data=foreign))
    with pytest.raises(LeaseError, match="not for this device"):
        keygen.make_guard().ensure_activated()
