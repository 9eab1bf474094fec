"""`license-guard admin …` through main(), against the emulator served on a real socket."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from license_guard.cli import main
from license_guard.config import load_settings
from license_guard.emulator import Emulator, EmulatorServer, KeymintError, Seed

HOST_A = "0c6e4f12" + "a" * 56  # host IDs as the guard makes them: 64 hex characters
HOST_B = "0c6e4f12" + "b" * 56

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def env(
    keymint_server: EmulatorServer, keymint_seed: Seed, admin_token: str, tmp_path: Path
) -> dict[str, str]:
    """What a support desk's shell holds; the config file is an empty one of the test's own."""
    config = tmp_path / "config.ini"
    config.write_text("[license-guard]\n", encoding="utf-8")
    return {
        "LICENSE_GUARD_CONFIG": str(config),
        "LICENSE_GUARD_BASE_URL": keymint_server.url,
        "LICENSE_GUARD_PRODUCT_ID": keymint_seed.product_id,
        "LICENSE_GUARD_ADMIN_TOKEN": admin_token,
    }


@pytest.fixture
def run(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
        code = main(["admin", *argv], environ=env if environ is None else environ)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _devices(emulator: Emulator, seed: Seed) -> list[str]:
    data = emulator.key_info(seed.product_id, seed.license_key)
    return [device["host_id"] for device in data["license"]["devices"]]


# -- every command ------------------------------------------------------------------------------


def test_create_key_prints_the_key_and_what_the_server_made_of_it(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    code, out, err = run(
        "create-key",
        "--uses",
        "3",
        "--new-customer",
        "Jane Doe",
        "--email",
        "jane@example.com",
        "--expires",
        "2031-06-30",
    )
    assert (code, err) == (0, "")
    match = re.match(r"Created license key: (\S+)\n", out)
    assert match, out
    key = match.group(1)
    data = keymint_emulator.key_info(keymint_seed.product_id, key)
    assert data["license"]["usage_limit"] == 3
    assert data["license"]["expiration_date"] == "2031-06-30T23:59:59Z"  # the end of that day
    assert (data["customer"]["name"], data["customer"]["email"]) == ("Jane Doe", "jane@example.com")
    assert f"Customer:  Jane Doe <jane@example.com>  {data['customer']['id']}  active\n" in out
    assert "Seats:     3\n" in out
    assert "Expires:   2031-06-30 23:59 UTC\n" in out


def test_create_key_json_for_an_existing_customer(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    code, out, _ = run(
        "create-key",
        "--customer-id",
        keymint_seed.customer_id,
        "--expires",
        "2031-01-02T03:04:05+02:00",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    data = keymint_emulator.key_info(keymint_seed.product_id, payload["key"])
    assert data["customer"]["id"] == keymint_seed.customer_id == payload["customer"]["id"]
    assert payload["license"]["usage_limit"] is None
    assert payload["license"]["expires_at"] == "2031-01-02T01:04:05Z"
    assert data["license"]["expiration_date"] == "2031-01-02T01:04:05Z"


def test_create_key_expiry_without_a_zone_is_utc(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    code, out, _ = run("create-key", "--expires", "2031-12-31T18:00:00", "--json")
    assert code == 0
    key = json.loads(out)["key"]
    data = keymint_emulator.key_info(keymint_seed.product_id, key)
    assert data["license"]["expiration_date"] == "2031-12-31T18:00:00Z"


def test_create_key_prints_the_key_even_when_the_lookup_after_fails(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.token_rate_limit(max_requests=1, per_seconds=3600)
    code, out, err = run("create-key", "--uses", "1")
    assert code == 0
    key = out.removeprefix("Created license key: ").strip()
    assert keymint_emulator.key_info(keymint_seed.product_id, key)["license"]["usage_limit"] == 1
    assert err.startswith("license-guard: created, but its details are unavailable: ")
    assert [r.path for r in keymint_emulator.request_log] == ["/create-key", "/get-key"]


def test_show_key_prints_a_summary_and_a_table_of_devices(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    keymint_emulator.activate(product, key, HOST_A, device_tag="Studio PC")
    keymint_emulator.activate(product, key, "short-host")
    customer = keymint_emulator.customers()[0]

    code, out, _ = run("show-key", key)

    assert code == 0
    assert out.splitlines() == [
        f"Key:       …{key[-4:]}  ({keymint_emulator.key_info(product, key)['license']['id']})",
        f"Product:   {product}",
        f"Customer:  Demo Customer <{customer.email}>  {customer.id}  active",
        "Seats:     2 of 5 taken",
        "Expires:   2030-02-15 09:00 UTC",
        "Devices:",
        "  TAG        HOST ID        IP         ACTIVATED",
        "  Studio PC  0c6e4f12aaaa…  127.0.0.1  2030-01-15 09:00 UTC",
        "  -          short-host     127.0.0.1  2030-01-15 09:00 UTC",
    ]
    assert key not in out


def test_show_key_json_has_the_full_host_ids(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.activate(keymint_seed.product_id, keymint_seed.license_key, HOST_A)
    code, out, _ = run("show-key", keymint_seed.license_key, "--json")
    assert code == 0
    payload = json.loads(out)
    assert [d["host_id"] for d in payload["license"]["devices"]] == [HOST_A]
    assert payload["license"]["devices"][0]["activation_time"] == "2030-01-15T09:00:00Z"
    assert payload["license"]["key_hint"] == "…" + keymint_seed.license_key[-4:]
    assert keymint_seed.license_key not in out


def test_show_key_of_a_key_without_devices_or_customer(run: Run, admin_token: str) -> None:
    _, out, _ = run("create-key", "--json")
    code, out, _ = run("show-key", json.loads(out)["key"])
    assert code == 0
    assert "Customer:  none\n" in out
    assert "Seats:     0 taken (unlimited)\n" in out
    assert "Devices:   none\n" in out


def test_block_and_unblock(run: Run, keymint_emulator: Emulator, keymint_seed: Seed) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    code, out, _ = run("block", key)
    assert code == 0
    assert out.startswith(f"Blocked key …{key[-4:]}: it cannot be activated")
    with pytest.raises(KeymintError, match="blocked"):
        keymint_emulator.activate(product, key, HOST_A)
    code, out, _ = run("unblock", key)
    assert (code, out) == (
        0,
        f"Unblocked key …{key[-4:]}: its devices accept it again at their next check.\n",
    )
    keymint_emulator.activate(product, key, HOST_A)


def test_free_device_by_host_id_or_by_the_prefix_show_key_prints(
    run: Run, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    keymint_emulator.activate(product, key, HOST_A, device_tag="Studio PC")
    keymint_emulator.activate(product, key, HOST_B)
    keymint_emulator.activate(product, key, "short-host")

    code, out, _ = run("free-device", key, "short-host")
    assert (code, out) == (0, f"Freed the seat of short-host on key …{key[-4:]}.\n")

    code, _, err = run("free-device", key, "0c6e4f12")  # both long IDs start so
    assert code == 2
    assert "matches 2 devices" in err
    assert _devices(keymint_emulator, keymint_seed) == [HOST_A, HOST_B]

    code, out, _ = run("free-device", key, "0c6e4f12aaaa…")  # as the table shows it
    assert (code, out) == (0, f"Freed the seat of Studio PC ({HOST_A}) on key …{key[-4:]}.\n")
    assert _devices(keymint_emulator, keymint_seed) == [HOST_B]

    code, out, _ = run("free-device", key, HOST_A)
    assert code == 0
    assert out.startswith(f"Nothing to free: no device with host ID {HOST_A} is activated")


def test_free_all_with_yes(run: Run, keymint_emulator: Emulator, keymint_seed: Seed) -> None:
    product, key = keymint_seed.product_id, keymint_seed.license_key
    keymint_emulator.activate(product, key, HOST_A)
    keymint_emulator.activate(product, key, HOST_B)
    assert run("free-all", key, "--yes")[:2] == (0, f"Freed all 2 seat(s) of key …{key[-4:]}.\n")
    assert _devices(keymint_emulator, keymint_seed) == []
    # Nothing left: no question asked, nothing sent but the lookup.
    keymint_emulator.clear_request_log()
    code, out, _ = run("free-all", key)
    assert (code, out) == (0, f"Nothing to free: key …{key[-4:]} has no activated device.\n")
    assert [r.path for r in keymint_emulator.request_log] == ["/get-key"]


def test_the_group_alone_prints_its_help(run: Run) -> None:
    code, _, err = run()
    assert code == 2
    assert "free-device" in err


# -- error rows and usage errors ----------------------------------------------------------------


def test_error_rows_exit_with_the_clis_codes_and_one_line(
    run: Run, env: dict[str, str], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_seed.license_key
    run("create-key", "--new-customer", "Jane", "--email", "jane@example.com")
    cases: list[tuple[list[str], dict[str, str], int, str]] = [
        (
            ["show-key", key],
            {"LICENSE_GUARD_ADMIN_TOKEN": "at_wrong-token"},
            2,
            "admin access token",
        ),
        (
            ["block", key],
            {"LICENSE_GUARD_PRODUCT_ID": "prod_" + "0" * 20},
            2,
            "does not know this product id",
        ),
        (["show-key", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"], {}, 4, "(server: Invalid license key)"),
        (["free-all", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"], {}, 4, "does not know this license key"),
        (["show-key", "short"], {}, 4, "23 to 256 characters"),
        (
            ["create-key", "--customer-id", "cust_nope"],
            {},
            2,
            "no customer with this id; check it, or create the key with a new customer. "
            "(server: Customer with ID cust_nope not found)",
        ),
        (
            ["create-key", "--new-customer", "Jane", "--email", "jane@example.com"],
            {},
            2,
            "(server: CONFLICT: Customer email jane@example.com already exists.)",
        ),
        (["create-key", "--new-customer", "J", "--email", "j@"], {}, 2, "(server: Invalid email"),
        (["create-key", "--uses", "0"], {}, 2, "at least 1"),
        (["create-key", "--expires", "someday"], {}, 2, "--expires 'someday' is not a date"),
        (["create-key", "--expires", "2020-01-01"], {}, 2, "has passed"),
        (["create-key", "--email", "j@x.io"], {}, 2, "--email goes with --new-customer"),
    ]
    for argv, changes, expected_code, fragment in cases:
        code, out, err = run(*argv, environ={**env, **changes})
        assert (code, out) == (expected_code, ""), (argv, err)
        assert err.startswith("license-guard: "), err
        assert err.count("\n") == 1, err
        assert fragment in err, (argv, err)


def test_server_trouble_exits_5(run: Run, keymint_emulator: Emulator, keymint_seed: Seed) -> None:
    keymint_emulator.faults.server_error(500, times=1)
    code, _, err = run("show-key", keymint_seed.license_key)
    assert code == 5
    assert "HTTP 500" in err
    keymint_emulator.faults.token_rate_limit(max_requests=1, per_seconds=3600)
    assert run("show-key", keymint_seed.license_key)[0] == 0
    code, _, err = run("block", keymint_seed.license_key)
    assert code == 5
    assert "rate limiting" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["create-key", "--customer-id", "cust_1", "--new-customer", "Jane"],
        ["show-key"],
        ["free-device", "ABCDE-FGHIJ-KLMNO-PQRST"],
        ["show-key", "ABCDE-FGHIJ-KLMNO-PQRST", "--token", "at_secret"],
        ["create-key", "--uses", "many"],
    ],
)
def test_usage_errors_exit_2(run: Run, argv: list[str]) -> None:
    assert run(*argv)[0] == 2


# -- where the admin token comes from -----------------------------------------------------------


def test_the_apps_token_is_never_the_admin_token(
    run: Run, env: dict[str, str], keymint_seed: Seed
) -> None:
    environ = {k: v for k, v in env.items() if k != "LICENSE_GUARD_ADMIN_TOKEN"}
    environ["LICENSE_GUARD_ACCESS_TOKEN"] = keymint_seed.access_token
    code, _, err = run("show-key", keymint_seed.license_key, environ=environ)
    assert code == 2
    assert "No admin token: set LICENSE_GUARD_ADMIN_TOKEN, pass --token-file FILE" in err


def test_token_file_beats_environment_beats_config_file(
    run: Run, env: dict[str, str], admin_token: str, keymint_seed: Seed, tmp_path: Path
) -> None:
    key = keymint_seed.license_key
    right, wrong = admin_token, "at_not-the-right-token"
    token_file = tmp_path / "admin-token"
    config = Path(env["LICENSE_GUARD_CONFIG"])

    def with_sources(*, file: str | None, variable: str | None, config_value: str | None) -> int:
        config.write_text(
            "[license-guard]\n" + (f"admin_token = {config_value}\n" if config_value else ""),
            encoding="utf-8",
        )
        environ = {k: v for k, v in env.items() if k != "LICENSE_GUARD_ADMIN_TOKEN"}
        if variable:
            environ["LICENSE_GUARD_ADMIN_TOKEN"] = variable
        argv = ["show-key", key]
        if file:
            token_file.write_text(f"\n{file}\n", encoding="utf-8")
            argv += ["--token-file", str(token_file)]
        return run(*argv, environ=environ)[0]

    assert with_sources(file=None, variable=None, config_value=right) == 0
    assert with_sources(file=None, variable=right, config_value=wrong) == 0
    assert with_sources(file=None, variable=wrong, config_value=right) == 2
    assert with_sources(file=right, variable=wrong, config_value=wrong) == 0
    assert with_sources(file=wrong, variable=right, config_value=right) == 2


def test_an_unusable_token_file(run: Run, keymint_seed: Seed, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n \n", encoding="utf-8")
    for path, fragment in ((tmp_path / "missing", "Cannot read"), (empty, "is empty")):
        code, _, err = run("show-key", keymint_seed.license_key, "--token-file", str(path))
        assert code == 2
        assert fragment in err


def test_a_missing_product_id(run: Run, env: dict[str, str], keymint_seed: Seed) -> None:
    environ = {k: v for k, v in env.items() if k != "LICENSE_GUARD_PRODUCT_ID"}
    code, _, err = run("show-key", keymint_seed.license_key, environ=environ)
    assert code == 2
    assert "product_id (--product-id or LICENSE_GUARD_PRODUCT_ID)" in err
    environ["LICENSE_GUARD_PRODUCT_ID"] = "prod_" + "0" * 20
    flag = ["--product-id", keymint_seed.product_id]
    assert run("show-key", keymint_seed.license_key, *flag, environ=environ)[0] == 0


def test_settings_never_show_the_admin_token(tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[license-guard]\nadmin_token = at_from-the-file-1234\n", encoding="utf-8")
    settings = load_settings({"admin_token": "at_flag-is-ignored"}, {}, config_file=config)
    assert settings.admin_token == "at_from-the-file-1234"
    assert "at_from-the-file" not in repr(settings)
    assert "admin_token='…1234'" in repr(settings)
