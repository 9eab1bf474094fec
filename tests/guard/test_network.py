"""The HTTP layer against real faults: retries, Retry-After, hung and broken servers, TLS rules."""

from __future__ import annotations

import inspect
import ssl
import time
from datetime import timedelta
from pathlib import Path

import pytest

from license_guard import (
    InvalidResponseError,
    KeymintBackend,
    LicenseError,
    LicenseGuard,
    LicenseState,
    LicenseUnreachableError,
    RateLimitedError,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, EmulatorServer, Seed
from license_guard.errors import ConfigurationError
from license_guard.http import HttpSettings

from .conftest import GuardFactory


def _attempts(emulator: Emulator, path: str) -> list[int]:
    return [r.status for r in emulator.request_log if r.path == path]


def test_503_twice_then_success(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.server_error(503, times=2)
    assert guard.activate(keymint_seed.license_key).state is LicenseState.ACTIVE
    assert _attempts(keymint_emulator, "/activate-key") == [503, 503, 200]


def test_retry_after_is_honoured(
    guard: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    keymint_emulator.faults.rate_limit(retry_after=3, times=1)
    started = emulator_clock.monotonic()
    guard.activate(keymint_seed.license_key)
    assert emulator_clock.monotonic() - started >= 3  # the manual clock records the wait
    assert _attempts(keymint_emulator, "/activate-key") == [429, 200]


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    guard = make_guard(activation_timeout=10.0)
    keymint_emulator.faults.rate_limit(retry_after=120)
    with pytest.raises(RateLimitedError) as caught:
        guard.activate(keymint_seed.license_key)
    assert caught.value.retry_after == 120
    assert _attempts(keymint_emulator, "/activate-key") == [429]


def test_per_token_rate_limit(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.token_rate_limit(max_requests=1, per_seconds=3600)
    with pytest.raises(RateLimitedError):
        guard.activate(keymint_seed.license_key)


def test_a_captive_portal_is_not_the_server(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.captive_portal()
    with pytest.raises(InvalidResponseError, match="captive portal"):
        guard.activate(keymint_seed.license_key)
    assert not guard.store.path.exists()


def test_a_500_is_not_retried(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.server_error(500)
    with pytest.raises(LicenseUnreachableError, match="HTTP 500"):
        guard.activate(keymint_seed.license_key)
    assert _attempts(keymint_emulator, "/activate-key") == [500]


def test_connection_resets_are_retried_then_reported(
    guard: LicenseGuard, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    keymint_emulator.faults.reset(times=2)
    assert guard.activate(keymint_seed.license_key).is_licensed
    keymint_emulator.faults.reset()
    with pytest.raises(LicenseUnreachableError):
        guard.release()


# -- over a real socket, with real time ---------------------------------------------------------


def _live_guard(
    server: EmulatorServer, seed: Seed, folder: Path, **options: object
) -> LicenseGuard:
    backend = KeymintBackend(
        product_id=seed.product_id, access_token=seed.access_token, base_url=server.url
    )
    return LicenseGuard(
        app_id="com.example.photoeditor",
        backend=backend,
        data_dir=folder,
        **options,  # type: ignore[arg-type]
    )


def test_a_hung_server_cannot_hold_the_startup_check(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    guard = _live_guard(
        server, seed, tmp_path, revalidate_every=timedelta(seconds=1), online_timeout=1.0
    )
    guard.activate(seed.license_key)
    time.sleep(1.1)  # let the check fall due on the real clock
    emulator.faults.hang()
    started = time.monotonic()
    status = guard.ensure_activated()
    elapsed = time.monotonic() - started
    assert status.state is LicenseState.GRACE
    # The deadline bounds the call; generous slack for a loaded CI machine.
    assert elapsed < 1.0 + 1.5, elapsed
    emulator.faults.clear()
    guard.close()


def test_a_hung_server_cannot_hold_activation_past_its_deadline(
    live_keymint: tuple[Emulator, Seed, EmulatorServer], tmp_path: Path
) -> None:
    emulator, seed, server = live_keymint
    guard = _live_guard(server, seed, tmp_path, activation_timeout=1.5)
    emulator.faults.hang()
    started = time.monotonic()
    with pytest.raises(LicenseUnreachableError):
        guard.activate(seed.license_key)
    assert time.monotonic() - started < 1.5 + 1.5
    emulator.faults.clear()
    guard.close()


def test_proxies_come_from_the_environment(
    live_keymint: tuple[Emulator, Seed, EmulatorServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy_emulator, seed, proxy = live_keymint
    # The server address is a closed port; only a client that honours HTTP_PROXY gets through.
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    backend = KeymintBackend(
        product_id=seed.product_id, access_token=seed.access_token, base_url="http://127.0.0.2:9"
    )
    guard = LicenseGuard(app_id="com.example.photoeditor", backend=backend, data_dir=tmp_path)
    proxy_emulator.clear_request_log()
    with pytest.raises(LicenseError):  # the proxy (an emulator) does not know the absolute URL
        guard.activate(seed.license_key)
    assert proxy_emulator.request_log, "the request did not go through the proxy"
    guard.close()


def test_tls_verification_cannot_be_switched_off() -> None:
    for signature in (
        inspect.signature(KeymintBackend),
        inspect.signature(HttpSettings),
        inspect.signature(LicenseGuard),
    ):
        assert "verify" not in signature.parameters
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigurationError, match="must verify"):
        HttpSettings(ssl_context=unverified)


def test_a_base_url_must_be_http(keymint_seed: Seed, tmp_path: Path) -> None:
    backend = KeymintBackend(
        product_id=keymint_seed.product_id, access_token="at_x" * 10, base_url="ftp://example"
    )
    guard = LicenseGuard(app_id="com.example.app", backend=backend, data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="https://"):
        guard.activate("ABCDE-FGHIJ-KLMNO-PQRST")
