"""KeymintAdmin in generation 2 against the emulator: every call, and the Idempotency-Key on
every write (one per call, the same on each retry of it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from license_guard import (
    ConfigurationError,
    CustomerExistsError,
    CustomerInactiveError,
    CustomerNotFoundError,
    InvalidLicenseKeyError,
    KeymintBackend,
    LicenseBlockedError,
)
from license_guard.admin import FloatingSeats, KeymintAdmin, NewCustomer
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.http import Deadline
from tests.keymint.wire import Recording

LATER = datetime(2031, 6, 30, 23, 59, 59, tzinfo=timezone.utc)


@pytest.fixture
def wire(keymint_emulator: Emulator) -> Iterator[Recording]:
    recording = Recording(keymint_emulator.transport())
    yield recording
    recording.close()


@pytest.fixture
def admin2(
    keymint_emulator: Emulator, keymint_seed: Seed, wire: Recording, emulator_clock: ManualClock
) -> Iterator[KeymintAdmin]:
    with KeymintAdmin(
        access_token=keymint_emulator.admin_token(),
        base_url="http://127.0.0.1",
        product_id=keymint_seed.product_id,
        api_generation=2,
        transport=wire,
        clock=emulator_clock,
    ) as client:
        yield client


def _backend(seed: Seed, emulator: Emulator, clock: ManualClock) -> KeymintBackend:
    return KeymintBackend(
        product_id=seed.product_id,
        access_token=seed.access_token,
        base_url="http://127.0.0.1",
        api_generation=2,
        transport=emulator.transport(),
        clock=clock,
    )


def test_keys_round_trip_in_generation_2(
    admin2: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, wire: Recording
) -> None:
    key = admin2.create_key(uses_per_key=3, expires_at=LATER, new_customer=NewCustomer("Ann"))
    create = wire.sent[-1]
    assert (create.method, create.url.path) == ("POST", "/key")
    assert b'"maxActivations": "3"' in create.content
    details = admin2.get_key(key)
    lookup = wire.sent[-1]
    assert (lookup.method, lookup.url.path) == ("GET", "/key")
    assert key not in str(lookup.url)  # the key travels in a header, not the URL
    assert lookup.headers["x-license-key"] == key
    assert (details.license.usage_limit, details.license.expires_at) == (3, LATER)
    assert details.customer is not None
    assert details.customer.name == "Ann"
    assert admin2.update_key(key, uses_per_key=7) >= 1
    assert admin2.get_key(key).license.usage_limit == 7
    admin2.delete_key(key)
    with pytest.raises(InvalidLicenseKeyError):
        admin2.get_key(key)


def test_block_unblock_and_free_devices(
    admin2: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    backend = _backend(keymint_seed, keymint_emulator, emulator_clock)
    deadline = Deadline(30, clock=emulator_clock)
    key = keymint_seed.license_key
    backend.activate(key, host_id="pc-1", device_tag="Studio", deadline=deadline)
    admin2.block_key(key)
    with pytest.raises(LicenseBlockedError):
        backend.validate(key, host_id="pc-1", deadline=deadline)
    admin2.unblock_key(key)
    assert backend.validate(key, host_id="pc-1", deadline=deadline).activations == 1
    assert admin2.deactivate_device(key, "pc-1") is True
    assert admin2.deactivate_device(key, "pc-1") is False
    backend.close()


def test_customers(
    admin2: KeymintAdmin,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    created = admin2.create_customer(NewCustomer("Bo Li", "bo@example.com"))
    assert (created.name, created.email, created.active) == ("Bo Li", "bo@example.com", True)
    assert admin2.get_customer(created.id) == created
    assert [c.id for c in admin2.list_customers(email="bo@example.com")] == [created.id]
    with pytest.raises(CustomerExistsError):
        admin2.create_customer(NewCustomer("Bo again", "bo@example.com"))
    admin2.update_customer(created.id, name="Bo Li-Chen")
    assert admin2.get_customer(created.id).name == "Bo Li-Chen"
    key = admin2.create_key(customer_id=created.id)
    admin2.toggle_customer(created.id)
    assert admin2.get_customer(created.id).active is False
    backend = _backend(keymint_seed, keymint_emulator, emulator_clock)
    with pytest.raises(CustomerInactiveError):
        backend.activate(
            key, host_id="pc-1", device_tag=None, deadline=Deadline(30, clock=emulator_clock)
        )
    backend.close()
    admin2.delete_key(key)
    admin2.delete_customer(created.id)
    with pytest.raises(CustomerNotFoundError):
        admin2.get_customer(created.id)


def test_every_write_carries_its_own_idempotency_key_and_reads_none(
    admin2: KeymintAdmin, keymint_seed: Seed, wire: Recording
) -> None:
    key = admin2.create_key(uses_per_key=2)
    admin2.get_key(key)
    admin2.block_key(key)
    admin2.unblock_key(key)
    admin2.update_key(key, uses_per_key=4)
    admin2.list_customers()
    writes = [r for r in wire.sent if r.method != "GET"]
    reads = [r for r in wire.sent if r.method == "GET"]
    keys = [r.headers.get("idempotency-key") for r in writes]
    assert len(writes) == 4
    assert all(k is not None and uuid.UUID(k).version == 4 for k in keys)
    assert len(set(keys)) == len(keys)
    assert all("idempotency-key" not in r.headers for r in reads)


def test_a_retried_write_sends_the_same_idempotency_key(
    admin2: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, wire: Recording
) -> None:
    keymint_emulator.faults.server_error(503, times=1)  # 503: not done, so even create retries
    key = admin2.create_key(uses_per_key=2)
    attempts = [r for r in wire.sent if r.url.path == "/key" and r.method == "POST"]
    assert len(attempts) == 2
    assert attempts[0].headers["idempotency-key"] == attempts[1].headers["idempotency-key"]
    assert admin2.get_key(key).license.usage_limit == 2


def test_a_replayed_idempotency_key_creates_one_key(
    keymint_emulator: Emulator, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    # The emulator replays the answer of a key it has seen (Keymint's SDKs rely on it).
    with KeymintAdmin(
        access_token=keymint_emulator.admin_token(),
        base_url="http://127.0.0.1",
        product_id=keymint_seed.product_id,
        api_generation=2,
        transport=keymint_emulator.transport(),
        clock=emulator_clock,
        idempotency_keys=lambda: "6f1c2a4e-0000-4000-8000-000000000001",
    ) as admin:
        assert admin.create_key(uses_per_key=1) == admin.create_key(uses_per_key=1)


def test_floating_keys_and_customers_need_generation_2(
    admin: KeymintAdmin,
) -> None:
    with pytest.raises(ConfigurationError, match="generation 2"):
        admin.create_key(floating=FloatingSeats(max_sessions=2))
    with pytest.raises(ConfigurationError, match="generation 2"):
        admin.create_customer(NewCustomer("Ann"))
    with pytest.raises(ConfigurationError, match="generation 2"):
        admin.delete_key("ABCDE-ABCDE-ABCDE-ABCDE")
    with pytest.raises(ConfigurationError, match="1 or 2"):
        KeymintAdmin(access_token="t", api_generation=3)  # type: ignore[arg-type]


def test_a_floating_key_is_created_with_its_terms(
    admin2: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = admin2.create_key(
        floating=FloatingSeats(max_sessions=2, heartbeat_interval=60, session_lease_duration=300)
    )
    license_ = admin2.get_key(key).license
    assert (license_.license_type, license_.max_sessions) == ("floating", 2)
