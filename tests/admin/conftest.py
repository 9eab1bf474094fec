"""Admin clients and app guards wired to the same emulator.

The admin client holds a vendor token valid for every product; the guards hold the product-scoped
token an app ships with, as in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from license_guard import LicenseGuard
from license_guard.admin import KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed
from license_guard.testing import GuardFactory

APP_ID = "com.example.photoeditor"


@pytest.fixture
def admin_token(keymint_emulator: Emulator) -> str:
    """A vendor's token: not scoped to one product, unlike the app's."""
    return keymint_emulator.create_access_token(None)


@pytest.fixture
def admin(
    admin_token: str,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
) -> Iterator[KeymintAdmin]:
    """An admin client on the seeded product, in process."""
    with KeymintAdmin(
        access_token=admin_token,
        base_url="http://127.0.0.1",
        product_id=keymint_seed.product_id,
        transport=keymint_transport,
        clock=emulator_clock,
    ) as client:
        yield client


@pytest.fixture
def make_guard(keymint_guards: GuardFactory) -> GuardFactory:
    """Guards of the app on the seeded product; each machine keeps its lease in its own folder.

    Other computers are told apart by the guard's own device-ID override (what containers use).
    """

    def make(machine: str | None = None) -> LicenseGuard:
        """This computer's guard, or *machine*'s."""
        return keymint_guards(app_id=APP_ID, device_id=machine)

    return make
