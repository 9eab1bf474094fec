"""@guard.require and `with guard.require(...)`: sync, async, methods, features, on_denied."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

import pytest

from license_guard import (
    FeatureNotLicensedError,
    LicenseBlockedError,
    LicenseError,
    LicenseGuard,
    NotActivatedError,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed


def test_decorated_function_runs_only_while_licensed(
    guard: LicenseGuard, keymint_seed: Seed
) -> None:
    @guard.require()
    def render(scale: int, *, quality: str = "high") -> str:
        """Render the picture."""
        return f"{scale}x {quality}"

    assert render.__name__ == "render"
    assert render.__doc__ == "Render the picture."
    with pytest.raises(NotActivatedError):
        render(2)
    guard.activate(keymint_seed.license_key)
    assert render(2, quality="draft") == "2x draft"


def test_features(activated: LicenseGuard) -> None:
    @activated.require("export-4k")
    def export() -> str:
        return "4k"

    @activated.require("batch")
    def batch() -> str:
        return "batch"

    assert export() == "4k"
    with pytest.raises(FeatureNotLicensedError) as caught:
        batch()
    assert caught.value.feature == "batch"


def test_methods_and_async_functions(activated: LicenseGuard) -> None:
    class Editor:
        def __init__(self) -> None:
            self.calls = 0

        @activated.require("export-4k")
        def export(self) -> int:
            self.calls += 1
            return self.calls

        @activated.require("export-4k")
        async def upload(self, name: str) -> str:
            await asyncio.sleep(0)
            return f"uploaded {name}"

    editor = Editor()
    assert editor.export() == 1
    assert asyncio.iscoroutinefunction(Editor.upload)
    assert asyncio.run(editor.upload("a.png")) == "uploaded a.png"


def test_on_denied_replaces_the_exception(guard: LicenseGuard) -> None:
    seen: list[LicenseError] = []

    def show_dialog(error: LicenseError) -> str:
        seen.append(error)
        return "dialog shown"

    @guard.require("export-4k", on_denied=show_dialog)
    def export() -> str:
        return "exported"

    assert export() == "dialog shown"
    assert isinstance(seen[0], NotActivatedError)


def test_async_on_denied_is_awaited(guard: LicenseGuard) -> None:
    async def show_dialog(error: LicenseError) -> str:
        return type(error).__name__

    @guard.require(on_denied=show_dialog)
    async def export() -> str:
        return "exported"

    assert asyncio.run(export()) == "NotActivatedError"


def test_context_manager(activated: LicenseGuard, guard: LicenseGuard) -> None:
    with activated.require("export-4k"):
        ran = True
    assert ran
    seen: list[LicenseError] = []
    with pytest.raises(FeatureNotLicensedError), activated.require("batch", on_denied=seen.append):
        pytest.fail("the body must not run")
    assert len(seen) == 1

    async def use() -> str:
        async with activated.require():
            return "inside"

    assert asyncio.run(use()) == "inside"


def test_a_revocation_reaches_gated_code_at_once(
    activated: LicenseGuard,
    keymint_emulator: Emulator,
    keymint_seed: Seed,
    emulator_clock: ManualClock,
) -> None:
    @activated.require()
    def premium() -> str:
        return "ok"

    assert premium() == "ok"
    keymint_emulator.block_key(keymint_seed.product_id, keymint_seed.license_key)
    emulator_clock.advance(timedelta(hours=25))
    with pytest.raises(LicenseBlockedError):
        activated.revalidate()
    with pytest.raises(LicenseBlockedError):
        premium()


def test_gate_notices_grace_running_out_without_any_call(
    activated: LicenseGuard, keymint_emulator: Emulator, emulator_clock: ManualClock
) -> None:
    @activated.require()
    def premium() -> str:
        return "ok"

    keymint_emulator.faults.reset()
    emulator_clock.advance(timedelta(days=6))
    assert premium() == "ok"
    emulator_clock.advance(timedelta(days=2))  # and 2 days of monotonic time: admission lapses
    with pytest.raises(LicenseError, match="grace"):
        premium()


def test_gated_calls_never_touch_the_network(
    activated: LicenseGuard, keymint_emulator: Emulator, emulator_clock: ManualClock
) -> None:
    @activated.require()
    def premium() -> str:
        return "ok"

    keymint_emulator.clear_request_log()
    for _ in range(3):
        emulator_clock.advance(timedelta(hours=30))
        assert premium() == "ok"
        activated.status()
    assert keymint_emulator.request_log == []


def test_bad_feature_names(guard: LicenseGuard) -> None:
    from license_guard import ConfigurationError

    with pytest.raises(ConfigurationError):
        guard.require("")


def test_async_callables_that_are_not_plain_functions(activated: LicenseGuard) -> None:
    async def scale(factor: int, size: int) -> int:
        await asyncio.sleep(0)
        return factor * size

    double = activated.require("export-4k")(functools.partial(scale, 2))
    assert asyncio.iscoroutinefunction(double)
    assert asyncio.run(double(21)) == 42

    def sync_scale(factor: int, size: int) -> int:
        return factor * size

    triple = activated.require("export-4k")(functools.partial(sync_scale, 3))
    assert not asyncio.iscoroutinefunction(triple)
    assert triple(5) == 15
