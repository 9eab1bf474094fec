"""``license-guard demo``: every behaviour of the guard, narrated, against a local server.

It starts the embedded Keymint-compatible emulator on 127.0.0.1, seeds a product, a token and a
two-seat key, and walks through activation, a gated call, the server going away (grace), a
blocked key, re-activation without a new seat, and release. Time moves on a simulated clock shared
by the app and the server, so a week passes in milliseconds. Everything lives in a temporary
folder that is removed at the end.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from license_guard.backends.keymint.backend import KeymintBackend
from license_guard.clock import ManualClock
from license_guard.errors import LicenseError
from license_guard.guard import LicenseGuard
from license_guard.status import LicenseStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from license_guard.emulator import Emulator, Seed

__all__ = ["run_demo"]

APP_ID = "com.example.photoeditor.demo"


def run_demo(out: TextIO) -> int:
    """Run the narrated demo, writing to *out*.

    Returns 0 when every step behaved as expected, 1 when any did not (each is reported).
    """
    from license_guard.emulator import Emulator, EmulatorServer

    clock = ManualClock(datetime.now(timezone.utc).replace(microsecond=0))
    say = _Narrator(out)
    emulator = Emulator(clock=clock)
    try:
        seed = emulator.seed(uses_per_key=2)
        with (
            EmulatorServer(emulator, port=0) as server,
            tempfile.TemporaryDirectory(prefix="license-guard-demo-") as folder,
        ):
            backend = KeymintBackend(
                product_id=seed.product_id,
                access_token=seed.access_token,
                base_url=server.url,
                features={"export-4k"},
                clock=clock,
            )
            guard = LicenseGuard(
                app_id=APP_ID,
                backend=backend,
                data_dir=Path(folder),
                clock=clock,
                grace_period=timedelta(days=7),
                revalidate_every=timedelta(hours=24),
            )
            try:
                _story(say, guard, emulator=emulator, seed=seed, url=server.url, clock=clock)
            finally:
                guard.close()
    finally:
        emulator.close()
    say.line()
    if say.surprises:
        say.line(f"Demo finished with {say.surprises} unexpected result(s).")
        return 1
    say.line("Demo finished: the temporary lease folder and the local server are gone.")
    return 0


def _story(
    say: _Narrator,
    guard: LicenseGuard,
    *,
    emulator: Emulator,
    seed: Seed,
    url: str,
    clock: ManualClock,
) -> None:
    def seats() -> str:
        info = emulator.key_info(seed.product_id, seed.license_key)["license"]
        return f"{info['activations']} of {info['usage_limit']} seats in use"

    @guard.require("export-4k")
    def export_4k() -> str:
        return "image exported in 4K"

    @guard.require("batch-processing")
    def batch() -> str:
        return "batch done"

    say.step(f"A Keymint-compatible server is running at {url}")
    say.line(f"  product {seed.product_id}, license key ending {seed.license_key[-4:]}, 2 seats")
    say.line(f"  this computer's host ID for {APP_ID}: {guard.host_id[:16]}…")

    say.step("The app starts: guard.ensure_activated()")
    say.expect_error(guard.ensure_activated, "NotActivatedError", call="ensure_activated()")

    say.step("The user enters the key: guard.activate(key, device_tag='Demo PC')")
    say.status(guard.activate(seed.license_key, device_tag="Demo PC"))
    say.line(f"  server: {seats()}")
    lease = guard.store.path.read_bytes()
    say.line(f"  lease file {guard.store.path.name}: {len(lease)} bytes, sealed ({lease[:7]!r}…)")

    say.step("Premium code runs: @guard.require('export-4k')")
    say.expect_result(export_4k, "image exported in 4K")
    say.step("A feature this license lacks: @guard.require('batch-processing')")
    say.expect_error(batch, "FeatureNotLicensedError", call="batch()")

    say.step("A day later the server is unreachable (connections are reset)")
    clock.advance(timedelta(hours=25))
    emulator.faults.reset()
    say.status(guard.ensure_activated(), expect="grace")
    say.expect_result(export_4k, "image exported in 4K")
    clock.advance(timedelta(days=3))
    say.line("  three more days offline...")
    say.status(guard.ensure_activated(), expect="grace")

    say.step("Back online; meanwhile the vendor blocked the key (a refund)")
    emulator.faults.clear()
    emulator.block_key(seed.product_id, seed.license_key)
    say.expect_error(guard.ensure_activated, "LicenseBlockedError", call="ensure_activated()")
    say.expect_error(export_4k, "LicenseBlockedError", call="export_4k(), gated, right after")

    say.step("The vendor unblocks it; the user activates again (no extra seat is taken)")
    emulator.unblock_key(seed.product_id, seed.license_key)
    say.status(guard.activate(seed.license_key))
    say.line(f"  server: {seats()}")

    say.step("Uninstall: guard.release() frees the seat")
    freed = guard.release()
    say.line(f"  seat freed: {freed}; server: {seats()}")
    if not freed:
        say.surprise("release() did not free the seat")
    say.expect_error(export_4k, "NotActivatedError", call="export_4k()")


class _Narrator:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        self.surprises = 0

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def step(self, text: str) -> None:
        self.count += 1
        self.line()
        self.line(f"{self.count}. {text}")

    def status(self, status: LicenseStatus, *, expect: str | None = None) -> None:
        self.line(f"  state: {status.state.value} - {status.detail}")
        if status.licensee:
            self.line(f"  licensee: {status.licensee}")
        if expect is not None and status.state.value != expect:
            self.surprise(f"expected state {expect}")

    def expect_result(self, call: Callable[[], object], expected: str) -> None:
        try:
            result = call()
        except LicenseError as exc:
            self.surprise(f"refused: {type(exc).__name__}: {exc}")
            return
        self.line(f"  -> {result}")
        if result != expected:
            self.surprise(f"expected {expected!r}")

    def expect_error(self, function: Callable[[], object], expected: str, *, call: str) -> None:
        """Run *function*, expecting the *expected* error; *call* names it in the output."""
        try:
            function()
        except LicenseError as exc:
            self.line(f"  {call} -> refused with {type(exc).__name__}: {exc}")
            if type(exc).__name__ != expected:
                self.surprise(f"expected {expected}")
            return
        self.surprise(f"expected {expected}, but {call} went through")

    def surprise(self, text: str) -> None:
        self.surprises += 1
        self.line(f"  !! unexpected: {text}")
