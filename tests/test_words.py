"""Words a user sees: one way to write durations, no internal names, every refusal says which
call made it, a refused license promises no future, and a key typed in lower case is told so."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from license_guard import errors
from license_guard.cli import main
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.errors import InvalidLicenseKeyError, LicenseError, LicenseUnreachableError
from license_guard.messages import describe, describe_status, seats, status_rows
from license_guard.status import LicenseState, LicenseStatus, SeatStatus
from license_guard.testing import GuardFactory

NOW = datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)
ERROR_CLASSES = [getattr(errors, name) for name in errors.__all__]
# Names from the code: our error classes, httpx's, Python's; snake_case parameters.
INTERNAL = re.compile(
    r"\b\w+(Error|Exception)\b|\bhttpx\b|\bTraceback\b|\bNone\b|\b[a-z]+_[a-z_]+\b|__"
)
Live = tuple[Emulator, Seed, EmulatorServer]


def _example(error_class: type[LicenseError]) -> LicenseError:
    """*error_class* with a real sentence and every keyword fact it can carry."""
    facts: dict[str, object] = {
        "expired_at": NOW,
        "retry_after": 90.0,
        "quarantined_to": Path("/data/license.lease.bad"),
        "grace_until": NOW,
        "now": NOW,
        "highest_seen": NOW + timedelta(days=1),
        "feature": "export-4k",
        "path": Path("/data/license.lease"),
        "lower_case": True,
    }
    accepted = inspect.signature(error_class).parameters
    return error_class(
        "The licensing server refused this.",
        **{name: value for name, value in facts.items() if name in accepted},
    )


def _status(state: LicenseState, **changes: object) -> LicenseStatus:
    values: dict[str, object] = {
        "state": state,
        "detail": "The license is in this state.",
        "host_id": "0" * 64,
        "checked_at": NOW,
        "key_hint": "…7F3A",
        "licensee_name": "Jane Doe",
        "expires_at": NOW + timedelta(days=30),
        "verified_at": NOW - timedelta(days=2),
        "grace_until": NOW + timedelta(days=5),
        "next_check_at": NOW + timedelta(hours=1),
        "features": frozenset({"export-4k"}),
    }
    values.update(changes)
    return LicenseStatus(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_renders_without_internal_names(error_class: type[LicenseError]) -> None:
    grace = _status(LicenseState.GRACE)
    for status in (None, grace):
        message = describe(_example(error_class), status)
        for text in (message.title, message.text, message.detail):
            assert not INTERNAL.search(text), text


@pytest.mark.parametrize("state", list(LicenseState), ids=lambda state: state.value)
def test_every_state_renders_without_internal_names(state: LicenseState) -> None:
    status = _status(state)
    message = describe_status(status)
    assert not INTERNAL.search(message.title + " " + message.text)
    for label, _value in status_rows(status):
        assert not INTERNAL.search(label), label


@pytest.mark.parametrize(
    "state", [s for s in LicenseState if not s.is_licensed], ids=lambda s: s.value
)
def test_an_unusable_license_shows_no_future_grace_or_check(state: LicenseState) -> None:
    labels = [label for label, _ in status_rows(_status(state))]
    assert "Grace until" not in labels
    assert "Next check" not in labels


def test_a_broken_connection_is_described_without_its_class_name(
    keymint_guards: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed, tmp_path: Path
) -> None:
    keymint_emulator.faults.reset()  # in process, httpx raises ReadError
    guard = keymint_guards(data_dir=tmp_path)
    with pytest.raises(LicenseUnreachableError) as caught:
        guard.activate(keymint_seed.license_key)
    assert isinstance(caught.value.__cause__, httpx.ReadError)  # kept for logs and debugging
    assert "broke off" in str(caught.value)
    assert not INTERNAL.search(str(caught.value)), str(caught.value)


def test_grace_durations_read_as_words(make_guard_days: str) -> None:
    assert re.search(r"\d+ days? \d+ hours?\b", make_guard_days), make_guard_days
    assert not re.search(r"\d h\b|\bmin\b", make_guard_days)


@pytest.fixture
def make_guard_days(keymint_guards: GuardFactory, keymint_seed: Seed, tmp_path: Path) -> str:
    """The detail line of a guard offline for 25 hours (the server's connections reset)."""
    from license_guard.clock import ManualClock

    clock = ManualClock(NOW)
    guard = keymint_guards(data_dir=tmp_path, clock=clock)
    guard.activate(keymint_seed.license_key)
    clock.advance(timedelta(hours=25))
    return guard.status().detail


def test_a_lower_case_key_is_told_that_case_matters(
    keymint_guards: GuardFactory, keymint_seed: Seed, tmp_path: Path
) -> None:
    guard = keymint_guards(data_dir=tmp_path)
    with pytest.raises(InvalidLicenseKeyError) as caught:
        guard.activate(keymint_seed.license_key.lower())
    assert caught.value.lower_case
    assert "case-sensitive" in str(caught.value)
    assert "case-sensitive" in describe(caught.value).text
    with pytest.raises(InvalidLicenseKeyError) as upper:  # a wrong key in capitals: no hint
        guard.activate(keymint_seed.license_key[:-1] + "#")
    assert not upper.value.lower_case
    assert "case-sensitive" not in str(upper.value)
    assert guard.activate(keymint_seed.license_key).is_licensed  # the key as issued


def test_status_of_a_refused_license_prints_no_grace_date(
    capsys: pytest.CaptureFixture[str], live_keymint: Live, tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    config = tmp_path / "config.ini"
    config.write_text("[license-guard]\n", encoding="utf-8")
    environ = {
        "LICENSE_GUARD_APP_ID": "com.example.photoeditor",
        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
        "LICENSE_GUARD_BASE_URL": server.url,
        "LICENSE_GUARD_DATA_DIR": str(tmp_path),
        "LICENSE_GUARD_CONFIG": str(config),
    }
    assert main(["activate", seed.license_key], environ=environ) == 0
    assert "Grace until:" in capsys.readouterr().out
    emulator.block_key(seed.product_id, seed.license_key)
    assert main(["status", "--online"], environ=environ) == 4
    out = capsys.readouterr().out
    assert "License:      denied" in out
    assert "Grace until" not in out
    assert "Next check" not in out


def test_admin_uses_zero_names_the_flag_not_the_parameter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ = {"LICENSE_GUARD_ADMIN_TOKEN": "at_x", "LICENSE_GUARD_PRODUCT_ID": "prod_" + "x" * 20}
    assert main(["admin", "create-key", "--uses", "0"], environ=environ) == 2
    err = capsys.readouterr().err
    assert err == "license-guard: --uses must be at least 1, not 0.\n"
    assert "uses_per_key" not in err


def test_the_demo_says_which_call_was_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "license_guard", "demo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    refusals = [line for line in result.stdout.splitlines() if "refused" in line]
    assert len(refusals) == len(set(refusals)), refusals  # no two identical lines
    assert all(re.match(r"\s+\w+\(.*\)", line) for line in refusals), refusals  # names the call
    assert not re.search(r"\d h\b", result.stdout)


@pytest.mark.parametrize(
    ("in_use", "total", "shown"),
    [
        (2, 5, "2 of 5 in use, seat held until 2030-01-15 09:05 UTC"),
        (None, 5, "5 seats in all, seat held until 2030-01-15 09:05 UTC"),
        (2, None, "2 in use, seat held until 2030-01-15 09:05 UTC"),
        (None, None, "Seat held until 2030-01-15 09:05 UTC"),
    ],
)
def test_a_floating_seat_reads_as_words(in_use: int | None, total: int | None, shown: str) -> None:
    seat = SeatStatus(held_until=NOW + timedelta(minutes=5), in_use=in_use, total=total)
    assert seats(_status(LicenseState.ACTIVE, seat=seat)) == shown
    assert ("Seats", shown) in status_rows(_status(LicenseState.ACTIVE, seat=seat))
    assert not INTERNAL.search(shown)
    # A refused license holds no seat worth showing.
    assert "Seats" not in dict(status_rows(_status(LicenseState.DENIED, seat=seat)))
    assert seats(_status(LicenseState.ACTIVE)) is None
