"""Keygen guards against the Keygen emulator, in process unless a test serves it on a socket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from license_guard.clock import ManualClock
from license_guard.guard import LicenseGuard
from license_guard.lease import Lease, lease_key, seal_lease
from license_guard.testing import EMULATOR_EPOCH
from license_guard.testing.harness import KeygenHarness


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(EMULATOR_EPOCH)


@pytest.fixture
def keygen(tmp_path: Path, clock: ManualClock) -> Iterator[KeygenHarness]:
    with closing(KeygenHarness(tmp_path, clock=clock)) as harness:
        yield harness


def stored_lease(guard: LicenseGuard) -> Lease:
    """The lease as it is on disk (sealed, not yet checked by the backend)."""
    lease = guard.store.load()
    assert lease is not None
    return lease


def reseal(guard: LicenseGuard, lease: Lease) -> None:
    """Seal *lease* with this device's key and write it, as a tool that can seal leases (the
    app's own code) would: unlike ``guard.store.save``, nothing checks what it vouches for."""
    key = lease_key(guard.identity.raw_id, app_id=guard.app_id, product_id=lease.product_id)
    guard.store.path.write_bytes(seal_lease(lease, key))


def api_calls(harness: KeygenHarness) -> list[tuple[str, str]]:
    """The requests the emulator received: method and path below the account."""
    prefix = f"/v1/accounts/{harness.seed.account_id}"
    return [(r.method, r.path.removeprefix(prefix)) for r in harness.emulator.request_log]
