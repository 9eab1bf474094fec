"""No admin token, and no license key but a newly created one, in any output, log, repr or error."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from license_guard import LicenseError
from license_guard.admin import KeymintAdmin, NewCustomer
from license_guard.cli import main
from license_guard.emulator import Emulator, EmulatorServer, Seed


def test_the_python_api_never_shows_a_secret(
    admin: KeymintAdmin,
    admin_token: str,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    key = keymint_seed.license_key
    keymint_emulator.activate(keymint_seed.product_id, key, "host-1", device_tag="Laptop")
    texts = [repr(admin)]
    created = admin.create_key(new_customer=NewCustomer("Jane", "jane@example.com"))
    details = admin.get_key(key)
    texts += [repr(details), str(details.to_json())]
    admin.block_key(key)
    admin.unblock_key(key)
    admin.deactivate_device(key, "host-1")
    admin.deactivate_all(key)
    keymint_emulator.faults.server_error(503, times=1)
    admin.get_key(created)
    for failing in (
        lambda: admin.get_key("ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"),
        lambda: admin.create_key(new_customer=NewCustomer("Jane", "jane@example.com")),
    ):
        with pytest.raises(LicenseError) as caught:
            failing()
        texts += [str(caught.value), repr(caught.value), str(caught.value.server_message)]
    texts += [record.getMessage() for record in caplog.records]

    assert len(caplog.records) > 5  # the calls did log
    for secret in (admin_token, key, created):
        for text in texts:
            assert secret not in text, text


def test_the_cli_never_shows_a_secret_but_the_key_it_created(
    keymint_server: EmulatorServer,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    admin_token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    config = tmp_path / "config.ini"
    config.write_text(f"[license-guard]\nadmin_token = {admin_token}\n", encoding="utf-8")
    environ = {
        "LICENSE_GUARD_CONFIG": str(config),
        "LICENSE_GUARD_BASE_URL": keymint_server.url,
        "LICENSE_GUARD_PRODUCT_ID": keymint_seed.product_id,
    }
    key = keymint_seed.license_key
    keymint_emulator.activate(keymint_seed.product_id, key, "host-1")
    outputs: list[str] = []

    def run(*argv: str) -> None:
        main(["--debug", "admin", *argv], environ=environ)
        captured = capsys.readouterr()
        outputs.extend((captured.out, captured.err))

    run("create-key", "--json")
    created = outputs[0].split('"key": "')[1].split('"')[0]
    assert created in outputs[0]  # the one place a key is shown: the key just created
    outputs.clear()
    for argv in (
        ("show-key", key),
        ("show-key", key, "--json"),
        ("show-key", created),
        ("block", key),
        ("unblock", key),
        ("free-device", key, "host-1"),
        ("free-all", key, "--yes"),
        ("show-key", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"),
        ("create-key", "--customer-id", "cust_nope"),
    ):
        run(*argv)
    outputs += [record.getMessage() for record in caplog.records]
    outputs += [str(record.exc_info[1]) for record in caplog.records if record.exc_info]

    assert any("command failed" in text for text in outputs)  # --debug logged the failures
    for secret in (admin_token, key, created):
        for text in outputs:
            assert secret not in text, text
