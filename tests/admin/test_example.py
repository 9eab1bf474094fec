"""examples/purchase_webhook.py works as docs/admin.md says."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from license_guard import CustomerExistsError
from license_guard.admin import KeymintAdmin
from license_guard.emulator import Emulator, EmulatorServer, Seed

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "purchase_webhook.py"


@pytest.fixture(scope="module")
def webhook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("purchase_webhook", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_orders_of_new_and_returning_customers(
    webhook: ModuleType, admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    table: dict[str, str] = {}
    order = {"name": "Jane Doe", "email": "jane@example.com", "seats": "2"}
    first = webhook.on_purchase(admin, order, table)
    second = webhook.on_purchase(admin, {**order, "seats": "1"}, table)
    jane = [c for c in keymint_emulator.customers() if c.email == "jane@example.com"]
    assert table == {"jane@example.com": jane[0].id}
    for key, seats in ((first, 2), (second, 1)):
        data = keymint_emulator.key_info(keymint_seed.product_id, key)
        assert (data["customer"]["id"], data["license"]["usage_limit"]) == (jane[0].id, seats)
    with pytest.raises(CustomerExistsError):
        webhook.on_purchase(admin, order, {})


def test_the_script_runs_against_a_served_emulator(
    keymint_server: EmulatorServer, keymint_seed: Seed, admin_token: str
) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LICENSE_GUARD_BASE_URL": keymint_server.url,
            "LICENSE_GUARD_PRODUCT_ID": keymint_seed.product_id,
            "LICENSE_GUARD_ADMIN_TOKEN": admin_token,
        },
    )
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"first order:  \S{23} \{'jane@example.com': 'cust_\w+'\}", lines[0])
    assert re.fullmatch(r"second order: \S{23}", lines[1])
    assert lines[2].startswith("CustomerExistsError: A customer with this e-mail already exists")
