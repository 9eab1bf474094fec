"""Backends wired to their local emulators, for the shared contract tests.

A :class:`BackendHarness` owns an emulator on a :class:`~license_guard.clock.ManualClock`, a
license of five seats that grants :attr:`~BackendHarness.feature`, and builds guards on it. The
two harnesses here cover the backends license_guard ships; a third backend needs only a third
subclass (and an emulator) to run the same contract.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from license_guard.backends import Backend, KeygenBackend, KeymintBackend
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator
from license_guard.emulator.keygen import KeygenEmulator
from license_guard.guard import LicenseGuard

if TYPE_CHECKING:
    import httpx

    from license_guard.emulator import Faults

__all__ = ["APP_ID", "FEATURE", "BackendHarness", "KeygenHarness", "KeymintHarness"]

APP_ID = "com.example.contract"
#: The feature every harness's license grants.
FEATURE = "export-4k"


class BackendHarness(ABC):
    """One backend against its emulator, driven by :class:`~.contract.BackendContract`.

    :meth:`close` closes every guard it made and the emulator (``contextlib.closing`` fits).
    """

    feature = FEATURE

    def __init__(
        self, storage_root: Path, *, clock: ManualClock, emulator: Emulator | KeygenEmulator
    ) -> None:
        self.storage_root = storage_root
        self.clock = clock
        self.emulator = emulator
        self._guards: list[LicenseGuard] = []
        self._transports: list[httpx.BaseTransport] = []

    @property
    @abstractmethod
    def license_key(self) -> str:
        """The license the tests activate (five seats)."""

    @property
    def faults(self) -> Faults:
        """The emulator's faults: ``faults.reset()`` takes the server off the network."""
        return self.emulator.faults

    @abstractmethod
    def backend(self, **overrides: Any) -> Backend:
        """A new backend instance talking to the emulator in process; *overrides* replace its
        constructor's arguments."""

    @abstractmethod
    def seats(self) -> int:
        """How many devices the server counts on the license."""

    @abstractmethod
    def refuse(self) -> None:
        """Make the server refuse the license (block or suspend it)."""

    def requests(self) -> int:
        """How many API requests reached the emulator so far."""
        return len(self.emulator.request_log)

    def make_guard(
        self,
        *,
        machine: str | None = None,
        data_dir: Path | None = None,
        backend: Backend | None = None,
        **options: Any,
    ) -> LicenseGuard:
        """A guard on the emulator's clock (unless ``clock=`` is given); this computer unless
        *machine* names another (its device ID), in the shared lease folder unless
        *data_dir* is given, with :meth:`backend` unless *backend* is given."""
        options.setdefault("clock", self.clock)
        guard = LicenseGuard(
            app_id=APP_ID,
            backend=backend or self.backend(),
            data_dir=data_dir or self.storage_root / "lease",
            device_id=machine,
            **options,
        )
        self._guards.append(guard)
        return guard

    def _backend_arguments(
        self, defaults: dict[str, Any], overrides: dict[str, Any]
    ) -> dict[str, Any]:
        arguments = {"base_url": "http://127.0.0.1", "clock": self.clock, **defaults, **overrides}
        if "transport" not in arguments:
            transport = self.emulator.transport()
            self._transports.append(transport)
            arguments["transport"] = transport
        return arguments

    def close(self) -> None:
        """Close every guard and transport made here, and the emulator."""
        for guard in self._guards:
            guard.close()
        for transport in self._transports:
            transport.close()
        self.emulator.close()


class KeymintHarness(BackendHarness):
    """:class:`~license_guard.KeymintBackend` against the Keymint emulator."""

    emulator: Emulator

    def __init__(self, storage_root: Path, *, clock: ManualClock) -> None:
        super().__init__(storage_root, clock=clock, emulator=Emulator(clock=clock))
        self.seed = self.emulator.seed(uses_per_key=5)

    @property
    def license_key(self) -> str:
        return self.seed.license_key

    def backend(self, **overrides: Any) -> KeymintBackend:
        defaults = {
            "product_id": self.seed.product_id,
            "access_token": self.seed.access_token,
            "features": {FEATURE},
        }
        return KeymintBackend(**self._backend_arguments(defaults, overrides))

    def seats(self) -> int:
        info = self.emulator.key_info(self.seed.product_id, self.seed.license_key)
        return int(info["license"]["activations"])

    def refuse(self) -> None:
        self.emulator.block_key(self.seed.product_id, self.seed.license_key)


class KeygenHarness(BackendHarness):
    """:class:`~license_guard.KeygenBackend` against the Keygen emulator."""

    emulator: KeygenEmulator

    def __init__(self, storage_root: Path, *, clock: ManualClock) -> None:
        super().__init__(storage_root, clock=clock, emulator=KeygenEmulator(clock=clock))
        self.seed = self.emulator.seed(max_machines=5, entitlements=(FEATURE,))

    @property
    def license_key(self) -> str:
        return self.seed.license_key

    def backend(self, **overrides: Any) -> KeygenBackend:
        defaults = {
            "account": self.seed.account_id,
            "public_key": self.seed.public_key,
            "product": self.seed.product_id,
        }
        return KeygenBackend(**self._backend_arguments(defaults, overrides))

    def seats(self) -> int:
        return len(self.emulator.machines(self.seed.license_key))

    def refuse(self) -> None:
        self.emulator.suspend_license(self.seed.license_key)
