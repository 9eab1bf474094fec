"""The emulator's public surface, its standard-library-only promise, ids, reprs and the plugin."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest

import license_guard.emulator
import license_guard.testing
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, KeymintError, Seed, ids
from license_guard.emulator.dates import http_date, one_month_after, parse_iso8601


def test_public_surface_is_pinned_and_sorted() -> None:
    assert license_guard.emulator.__all__ == [
        "AccessToken",
        "Code",
        "Customer",
        "Emulator",
        "EmulatorError",
        "EmulatorServer",
        "Fault",
        "FaultKind",
        "Faults",
        "KeymintError",
        "Licensee",
        "Message",
        "Product",
        "RequestRecord",
        "Seed",
    ]


def test_importing_the_emulator_pulls_in_no_third_party_module() -> None:
    # The package root (the guard) needs cryptography; the emulator must add nothing to it.
    probe = (
        "import sys, license_guard\n"
        "before = {name.split('.')[0] for name in sys.modules}\n"
        "import license_guard.emulator, license_guard.cli.emulator\n"
        "third = {'httpx', 'httpcore', 'cryptography', 'platformdirs', 'psutil', 'machineid'}\n"
        "added = {name.split('.')[0] for name in sys.modules} - before\n"
        "print(sorted(third & added))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_identifiers_have_the_documented_shapes() -> None:
    keys = {ids.new_license_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", k) for k in keys)
    assert 22 <= len(ids.new_product_id()) <= 256
    assert ids.new_product_id().startswith("prod_")
    assert ids.new_customer_id().startswith("cust_")
    assert ids.new_license_id().startswith("lki_")
    token = ids.new_access_token()
    assert token.startswith("at_")
    assert len(token) >= 40


def test_reprs_never_show_a_token_or_key(keymint_emulator: Emulator, keymint_seed: Seed) -> None:
    shown = " ".join(
        [
            repr(keymint_seed),
            repr(keymint_emulator.access_tokens()),
            repr(keymint_emulator),
        ]
    )
    assert keymint_seed.access_token not in shown
    assert keymint_seed.license_key not in shown
    assert keymint_seed.access_token[-4:] in shown
    assert keymint_seed.product_id in shown


def test_python_api_refusals_carry_what_the_http_api_would_answer(
    keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    with pytest.raises(KeymintError) as refused:
        keymint_emulator.key_info(keymint_seed.product_id, "NOPE0-NOPE0-NOPE0-NOPE0")
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        404,
        1,
        "Invalid license key",
    )
    with pytest.raises(ValueError, match="uses_per_key"):
        keymint_emulator.create_key(keymint_seed.product_id, uses_per_key=0)
    with pytest.raises(ValueError, match="never_expires"):
        keymint_emulator.create_key(
            keymint_seed.product_id, expires_at=datetime.now(timezone.utc), never_expires=True
        )
    pid, key = keymint_seed.product_id, keymint_seed.license_key
    licensee = keymint_emulator.activate(pid, key, "host-1", device_tag="Tag")
    assert licensee.name == "Demo Customer"
    assert keymint_emulator.deactivate(pid, key, "host-1") == "Device deactivated"
    with pytest.raises(KeymintError, match="License not activated"):
        keymint_emulator.deactivate(pid, key)


def test_dates() -> None:
    assert one_month_after(datetime(2028, 1, 31, tzinfo=timezone.utc)).day == 29  # leap year
    assert one_month_after(datetime(2030, 12, 15, tzinfo=timezone.utc)) == datetime(
        2031, 1, 15, tzinfo=timezone.utc
    )
    assert parse_iso8601("2030-01-02T03:04:05Z") == datetime(
        2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc
    )
    assert http_date(datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)) == (
        "Tue, 15 Jan 2030 09:00:00 GMT"
    )


def test_plugin_fixtures_fit_together(
    emulator_clock: ManualClock,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    keymint_server: EmulatorServer,
    keymint_transport: httpx.BaseTransport,
) -> None:
    assert emulator_clock.now() == license_guard.testing.EMULATOR_EPOCH
    assert keymint_emulator.clock is emulator_clock
    assert keymint_emulator.stored_seed() == keymint_seed
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", keymint_server.url)
    with httpx.Client(transport=keymint_transport, base_url="http://127.0.0.1") as client:
        response = client.post(
            "/activate-key",
            json={
                "productId": keymint_seed.product_id,
                "licenseKey": keymint_seed.license_key,
                "hostId": "in-process",
            },
            headers={"Authorization": f"Bearer {keymint_seed.access_token}"},
        )
    assert response.status_code == 200
    assert response.headers["Date"] == "Tue, 15 Jan 2030 09:00:00 GMT"
    info = keymint_emulator.key_info(keymint_seed.product_id, keymint_seed.license_key)
    assert info["license"]["usage_limit"] == 5
    assert info["license"]["devices"][0]["ip_address"] == "127.0.0.1"
