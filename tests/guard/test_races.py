"""Two guards of one computer at once (the app and its uninstaller, two windows, an app and its
plug-in): what one writes, the other must not undo."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

from license_guard import KeymintBackend, LicenseError, LicenseGuard, LicenseState
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

from .conftest import GuardFactory, seats


def test_a_release_during_a_slow_check_stays_released(
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    app, uninstaller = make_guard(), make_guard()
    app.activate(keymint_seed.license_key)
    emulator_clock.advance(timedelta(hours=25))
    keymint_emulator.faults.latency(0.3)  # the app's check is on the wire for a while
    outcome: list[object] = []

    def check() -> None:
        try:
            outcome.append(app.revalidate())
        except LicenseError as exc:
            outcome.append(exc)

    checking = threading.Thread(target=check)
    checking.start()
    while not keymint_emulator.request_log:  # wait until the check is on the wire
        checking.join(0.005)
    assert uninstaller.release() is True  # waits for the check, then frees the seat
    checking.join(10)
    keymint_emulator.faults.clear()
    assert seats(keymint_emulator, keymint_seed) == (0, [])
    assert not app.store.path.exists()
    assert make_guard().status().state is LicenseState.NOT_ACTIVATED


def test_a_revocation_does_not_overwrite_a_newer_activation(
    make_guard: GuardFactory,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    old_window, new_window = make_guard(), make_guard()
    old_window.activate(keymint_seed.license_key)
    emulator_clock.advance(timedelta(hours=25))
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    new_key = keymint_emulator.create_key(keymint_seed.product_id)
    keymint_emulator.clear_request_log()
    keymint_emulator.faults.latency(0.3)
    checking = _in_background(old_window.revalidate)  # will learn the old key is blocked
    while not keymint_emulator.request_log:
        checking.join(0.005)
    new_window.activate(new_key)  # meanwhile, the user types a new key in another window
    checking.join(10)
    keymint_emulator.faults.clear()
    assert make_guard().ensure_activated().key_hint == "…" + new_key[-4:]


def _in_background(call: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(LicenseError):
            call()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_app_and_its_plug_in_keep_separate_leases(
    make_guard: GuardFactory, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    plugin_product = keymint_emulator.create_product("Photo Editor: RAW plug-in")
    plugin_token = keymint_emulator.create_access_token(product_id=plugin_product)
    plugin_key = keymint_emulator.create_key(plugin_product)
    app = make_guard()
    plugin = make_guard(product_id=plugin_product, access_token=plugin_token)
    app.activate(keymint_seed.license_key)
    plugin.activate(plugin_key)
    assert app.store.path != plugin.store.path
    assert make_guard().ensure_activated().state is LicenseState.ACTIVE
    restarted_plugin = make_guard(product_id=plugin_product, access_token=plugin_token)
    assert restarted_plugin.ensure_activated().state is LicenseState.ACTIVE


def test_a_tool_without_the_apps_features_keeps_them_in_the_lease(
    make_guard: GuardFactory,
    keymint_seed: Seed,
    keymint_transport: httpx.BaseTransport,
    emulator_clock: ManualClock,
    lease_dir: Path,
) -> None:
    make_guard().activate(keymint_seed.license_key)  # the app: features={"export-4k"}
    # A support tool (the CLI) checks online with a backend that knows nothing of features.
    tool = LicenseGuard(
        app_id="com.example.photoeditor",
        backend=KeymintBackend(
            product_id=keymint_seed.product_id,
            access_token=keymint_seed.access_token,
            base_url="http://127.0.0.1",
            transport=keymint_transport,
            clock=emulator_clock,
        ),
        data_dir=lease_dir,
        clock=emulator_clock,
    )
    emulator_clock.advance(timedelta(hours=2))
    assert tool.revalidate().features == frozenset({"export-4k"})
    assert make_guard().ensure_activated().features == frozenset({"export-4k"})
