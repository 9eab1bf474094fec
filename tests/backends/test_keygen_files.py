"""Signed files as the lease's proof: every real Keygen vector through the backend, and
air-gapped activation from a file the vendor sends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from license_guard import (
    ClockRollbackError,
    ConfigurationError,
    GracePeriodExpiredError,
    InvalidLicenseKeyError,
    KeygenBackend,
    LeaseError,
    LicenseState,
)
from license_guard._record import replace
from license_guard.backends.keygen.formats.dataset import parse_timestamp
from license_guard.clock import ManualClock
from license_guard.guard import LicenseGuard
from license_guard.lease import Lease, lease_key, seal_lease
from license_guard.policy import Policy, judge
from license_guard.testing.harness import KeygenHarness
from tests.keygen.vectors import DECRYPTABLE, VECTORS, read_key, read_text

from .conftest import api_calls, stored_lease

DEMO_KEY = "e8601e48b69383ba520245fd07971e983d06d22c4257cfd82304601479cee788"
# Nothing listens on port 9 of the loopback: a backend pointed there is never reached.
NOWHERE = "http://127.0.0.1:9"


def _expected(entry: dict[str, Any]) -> dict[str, Any]:
    """What the vector's decrypted payload (stored beside it) says the lease must hold."""
    document = json.loads((VECTORS / entry["decrypted_file"]).read_text(encoding="utf-8"))
    data, included = document["data"], document.get("included", [])
    license_ = (
        data
        if data["type"] == "licenses"
        else next(item for item in included if item["type"] == "licenses")
    )
    strategies = {
        i["attributes"]["expirationStrategy"] for i in included if i["type"] == "policies"
    }
    expiry = license_["attributes"].get("expiry")
    return {
        "product": license_["relationships"]["product"]["data"]["id"],
        "features": {i["attributes"]["code"] for i in included if i["type"] == "entitlements"},
        "expires_at": parse_timestamp(expiry)
        if expiry and not strategies & {"ALLOW_ACCESS", "MAINTAIN_ACCESS"}
        else None,
        "issued": parse_timestamp(document["meta"]["issued"]),
        "offline_until": document["meta"]["expiry"] and parse_timestamp(document["meta"]["expiry"]),
    }


def _offline_backend(product: str, public_key: str = DEMO_KEY, **options: Any) -> KeygenBackend:
    """A backend (of the demo account unless told) that never reaches a server."""
    return KeygenBackend(
        account="demo",
        public_key=public_key,
        product=product,
        base_url=NOWHERE,
        allow_offline_activation=True,
        **options,
    )


def _file_guard(keygen: KeygenHarness) -> LicenseGuard:
    """A guard of an app that offers activation from a file (off by default)."""
    return keygen.make_guard(backend=keygen.backend(allow_offline_activation=True))


def _lease(entry: dict[str, Any], *, product: str, signed_data: str, host_id: str) -> Lease:
    issued = parse_timestamp(
        json.loads((VECTORS / entry["decrypted_file"]).read_text(encoding="utf-8"))["meta"][
            "issued"
        ]
    )
    return Lease(
        license_key=entry["license_key"],
        product_id=product,
        host_id=host_id,
        backend="keygen",
        activated_at=issued,
        verified_at=issued + timedelta(days=400),  # a sealed claim the signed file overrules
        highest_seen=issued - timedelta(days=1),
        signed_data=signed_data,
        air_gapped=entry["kind"] == "license",
    )


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_every_real_file_vouches_for_a_lease(entry: dict[str, Any]) -> None:
    expected = _expected(entry)
    backend = _offline_backend(expected["product"], entry["public_key_hex"])
    text = read_text(entry["file"])
    host = entry["fingerprint"] or "f" * 64  # a license file is not bound to a device
    lease = _lease(entry, product=expected["product"], signed_data=text, host_id=host)
    checked = backend.check_lease(lease, now=expected["issued"])
    assert checked.features == expected["features"]
    assert checked.expires_at == expected["expires_at"]
    assert checked.offline_until == expected["offline_until"]
    assert checked.verified_at == checked.highest_seen == expected["issued"]

    with pytest.raises(LeaseError, match="another product"):
        _offline_backend("another-product", entry["public_key_hex"]).check_lease(
            lease, now=expected["issued"]
        )
    edited = text.replace(text[60], "A" if text[60] != "A" else "B", 1)
    with pytest.raises(LeaseError):
        backend.check_lease(
            _lease(entry, product=expected["product"], signed_data=edited, host_id=host),
            now=expected["issued"],
        )
    if entry["kind"] == "machine":
        with pytest.raises(LeaseError, match="not for this device"):
            backend.check_lease(
                _lease(entry, product=expected["product"], signed_data=text, host_id="0" * 64),
                now=expected["issued"],
            )
        relabelled = text.replace("MACHINE FILE", "LICENSE FILE")
        with pytest.raises(LeaseError):
            backend.check_lease(
                _lease(
                    {**entry, "kind": "license"},
                    product=expected["product"],
                    signed_data=relabelled,
                    host_id=host,
                ),
                now=expected["issued"],
            )


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_expired_real_files_are_refused_for_activation_but_still_read(
    entry: dict[str, Any],
) -> None:
    expected = _expected(entry)
    backend = _offline_backend(expected["product"], entry["public_key_hex"])
    text = read_text(entry["file"])
    host = entry["fingerprint"] or "f" * 64
    inside = expected["issued"] + timedelta(hours=1)
    info = backend.activate_offline(
        text, license_key=entry["license_key"], host_id=host, now=inside
    )
    assert info.features == expected["features"]
    if expected["offline_until"] is None:
        return
    later = expected["offline_until"] + timedelta(seconds=1)
    with pytest.raises(LeaseError, match="expired"):
        backend.activate_offline(text, license_key=entry["license_key"], host_id=host, now=later)
    lease = _lease(entry, product=expected["product"], signed_data=text, host_id=host)
    checked = backend.check_lease(lease, now=later)  # still readable...
    assert checked.features == expected["features"]
    verdict = judge(checked, later, Policy())  # ...and past its window (or the license's)
    license_over = expected["expires_at"] is not None and expected["expires_at"] <= later
    assert verdict.state is (LicenseState.EXPIRED if license_over else LicenseState.GRACE_EXPIRED)


def test_a_file_issued_after_this_devices_clock_is_refused() -> None:
    entry = next(e.values[0] for e in DECRYPTABLE if e.values[0]["file"].startswith("python-lic"))
    expected = _expected(entry)
    backend = _offline_backend(expected["product"])
    with pytest.raises(ClockRollbackError):
        backend.activate_offline(
            read_text(entry["file"]),
            license_key=entry["license_key"],
            host_id="f" * 64,
            now=expected["issued"] - timedelta(minutes=6),
        )


# -- air-gapped activation through the guard --------------------------------------------------


def test_an_air_gapped_computer_activates_from_the_vendors_machine_file(
    keygen: KeygenHarness, clock: ManualClock
) -> None:
    keygen.emulator.set_license_expiry(keygen.license_key, None)
    guard = _file_guard(keygen)
    # The customer reads its host ID to the vendor, who activates it and sends the file.
    keygen.emulator.activate_machine(keygen.license_key, guard.host_id)
    machine_file = keygen.emulator.machine_file(keygen.license_key, guard.host_id, ttl=90 * 86400)
    keygen.faults.reset()  # this computer never reaches the server
    keygen.emulator.clear_request_log()
    status = guard.activate(keygen.license_key, signed_file=machine_file)
    assert status.state is LicenseState.ACTIVE
    assert status.features == {"export-4k"}
    assert stored_lease(guard).air_gapped

    clock.advance(timedelta(days=60))  # far past revalidate_every and the grace period
    later = _file_guard(keygen)
    assert later.ensure_activated().state is LicenseState.ACTIVE
    assert later.require("export-4k").check() is None
    later.revalidate()
    later.heartbeat()
    assert keygen.emulator.request_log == []  # nothing was ever asked of a server

    clock.advance(timedelta(days=31))  # past the file's own expiry
    with pytest.raises(GracePeriodExpiredError, match="Ask the vendor for a new one"):
        _file_guard(keygen).ensure_activated()
    assert api_calls(keygen) == []


def test_a_license_file_also_activates_an_air_gapped_computer(keygen: KeygenHarness) -> None:
    license_file = keygen.emulator.license_file(keygen.license_key)
    keygen.faults.reset()
    status = _file_guard(keygen).activate(keygen.license_key, signed_file=license_file)
    assert status.state is LicenseState.ACTIVE
    assert status.features == {"export-4k"}


def test_files_for_another_device_or_key_are_refused(keygen: KeygenHarness) -> None:
    guard = _file_guard(keygen)
    keygen.emulator.activate_machine(keygen.license_key, "another-computer")
    other_device = keygen.emulator.machine_file(keygen.license_key, "another-computer")
    with pytest.raises(LeaseError, match="not for this device"):
        guard.activate(keygen.license_key, signed_file=other_device)
    other_key = keygen.emulator.create_license(keygen.seed.policy_id).key
    with pytest.raises(LeaseError, match="not for license key"):
        guard.activate(other_key, signed_file=keygen.emulator.license_file(keygen.license_key))
    assert not guard.store.path.exists()


def test_a_real_license_file_with_a_signed_key_activates_offline(keygen: KeygenHarness) -> None:
    entry = next(
        e.values[0]
        for e in DECRYPTABLE
        if e.values[0]["file"].endswith("program_44e5bf8_license.lic")
    )
    expected = _expected(entry)
    key = read_key("signed-keys/ed25519_sign_test1.key")
    assert key == entry["license_key"]
    when = ManualClock(expected["issued"] + timedelta(days=2))  # inside the file's month
    backend = _offline_backend(
        expected["product"],
        key_scheme="ED25519_SIGN",
        clock=when,
    )
    guard = keygen.make_guard(backend=backend, clock=when)
    text = read_text(entry["file"])
    forged_key = key.replace("eyJ0ZXN0IjoxfQ", "eyJ0ZXN0IjoyfQ")
    with pytest.raises(InvalidLicenseKeyError, match="not genuine"):
        guard.activate(forged_key, signed_file=text)
    status = guard.activate(key, signed_file=text)
    assert status.state is LicenseState.ACTIVE
    when.set(datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert keygen.make_guard(backend=backend, clock=when).status().state is (
        LicenseState.GRACE_EXPIRED
    )


def test_release_of_a_file_activated_computer_removes_the_lease_without_the_network(
    keygen: KeygenHarness,
) -> None:
    guard = _file_guard(keygen)
    keygen.emulator.activate_machine(keygen.license_key, guard.host_id)
    machine_file = keygen.emulator.machine_file(keygen.license_key, guard.host_id, ttl=86400)
    keygen.faults.reset()  # an air-gapped computer
    guard.activate(keygen.license_key, signed_file=machine_file)
    keygen.emulator.clear_request_log()
    assert guard.release() is False  # nothing the server could be told; the vendor frees it
    assert not guard.store.path.exists()
    assert keygen.emulator.request_log == []


def test_an_app_without_offline_activation_refuses_files_and_leases_claiming_it(
    keygen: KeygenHarness,
) -> None:
    guard = keygen.make_guard()  # offline activation not enabled: the default
    keygen.emulator.activate_machine(keygen.license_key, guard.host_id)
    machine_file = keygen.emulator.machine_file(keygen.license_key, guard.host_id, ttl=86400)
    with pytest.raises(ConfigurationError, match="does not accept activation from a license"):
        guard.activate(keygen.license_key, signed_file=machine_file)

    # A reverse-engineer derives the seal key (it is in the app) and flips the flag on a lease
    # activated online, to skip every later check: the server's signature cannot say so.
    guard.activate(keygen.license_key)
    lease = stored_lease(guard)
    key = lease_key(guard.identity.raw_id, app_id=guard.app_id, product_id=lease.product_id)
    guard.store.path.write_bytes(seal_lease(replace(lease, air_gapped=True), key))
    with pytest.raises(LeaseError, match="activated from a file"):
        keygen.make_guard().ensure_activated()
