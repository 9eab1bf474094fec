"""The admin client inherits the HTTP layer: retries, Retry-After, deadlines; and create-key is
never sent twice when the server may have acted on it."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from license_guard import InvalidResponseError, LicenseUnreachableError
from license_guard.admin import KeymintAdmin
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.http import HttpSettings

MAYBE_DONE = "may have carried out the request"


def _statuses(emulator: Emulator) -> list[int | None]:
    return [r.status for r in emulator.request_log]


def test_a_503_then_success(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.server_error(503, times=1)
    assert admin.get_key(keymint_seed.license_key).license.usage_limit == 5
    assert _statuses(keymint_emulator) == [503, 200]


def test_retry_after_is_honoured(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, emulator_clock: ManualClock
) -> None:
    keymint_emulator.faults.rate_limit(retry_after=3, times=1)
    started = emulator_clock.monotonic()
    admin.block_key(keymint_seed.license_key)
    assert emulator_clock.monotonic() - started >= 3
    assert _statuses(keymint_emulator) == [429, 200]


def test_a_reset_connection_is_retried_for_a_lookup(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.reset(times=1)
    admin.get_key(keymint_seed.license_key)
    assert _statuses(keymint_emulator) == [None, 200]


def test_create_key_is_retried_when_the_server_says_it_did_nothing(
    admin: KeymintAdmin, keymint_emulator: Emulator
) -> None:
    keymint_emulator.faults.server_error(503, times=1)
    admin.create_key()
    keymint_emulator.faults.rate_limit(retry_after=1, times=1)
    admin.create_key()
    assert _statuses(keymint_emulator) == [503, 200, 429, 200]


@pytest.mark.parametrize("fault", ["reset", "502", "504"])
def test_create_key_is_not_repeated_when_the_server_may_have_acted(
    admin: KeymintAdmin, keymint_emulator: Emulator, fault: str
) -> None:
    if fault == "reset":
        keymint_emulator.faults.reset(times=1)
    else:
        keymint_emulator.faults.server_error(int(fault), times=1)
    with pytest.raises(LicenseUnreachableError, match=MAYBE_DONE):
        admin.create_key()
    assert len(keymint_emulator.request_log) == 1


def test_a_captive_portal_is_not_the_server(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.captive_portal()
    with pytest.raises(InvalidResponseError, match="captive portal"):
        admin.get_key(keymint_seed.license_key)


# -- over a real socket, with real time ---------------------------------------------------------


def test_a_hung_server_cannot_hold_a_call_past_its_deadline(
    keymint_server: EmulatorServer, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    seed = keymint_seed
    admin = KeymintAdmin(  # on the system clock: the deadline is real time
        access_token=seed.access_token,
        base_url=keymint_server.url,
        product_id=seed.product_id,
        timeout=1.0,
    )
    keymint_emulator.faults.hang()
    for call in (lambda: admin.get_key(seed.license_key), admin.create_key):
        started = time.monotonic()
        with pytest.raises(LicenseUnreachableError) as caught:
            call()
        # The deadline bounds the call; generous slack for a loaded CI machine.
        assert time.monotonic() - started < 1.0 + 1.5
    assert MAYBE_DONE in str(caught.value)  # create-key's: the server got the whole request
    keymint_emulator.faults.clear()
    admin.close()


def test_create_key_retries_a_server_that_is_not_listening(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="license_guard.http")
    with socket.socket() as probe:  # a loopback port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    admin = KeymintAdmin(
        access_token="at_unused",
        base_url=f"http://127.0.0.1:{port}",
        product_id="prod_0123456789abcdefghij",
        http=HttpSettings(max_attempts=3),
        clock=ManualClock(),  # backoff waits take no real time
    )
    with pytest.raises(LicenseUnreachableError, match="Cannot connect") as caught:
        admin.create_key()
    assert MAYBE_DONE not in str(caught.value)  # nothing was ever sent
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2
    admin.close()
