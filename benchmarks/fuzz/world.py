"""A vendor's server (the emulator, in process) and guards on it, built from public imports only.

``license_guard``, ``license_guard.emulator`` (and its ``keygen`` half) and
``license_guard.testing``: nothing internal, so the campaign keeps working while modules move.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from license_guard import Backend, KeygenBackend, KeymintBackend, LicenseGuard, ManualClock
from license_guard.emulator import Emulator
from license_guard.emulator.keygen import KeygenEmulator
from license_guard.testing import EMULATOR_EPOCH

if TYPE_CHECKING:
    import httpx

__all__ = ["APP_ID", "FEATURE", "KINDS", "World", "scratch"]

APP_ID = "com.example.fuzz"
FEATURE = "export-4k"
KINDS = ("keymint", "keygen")


@dataclass
class World:
    """One vendor's emulator on a manual clock, with two products' licenses.

    ``backend(transport, second=False)`` makes a backend of the first (or second) product that
    talks through *transport*; ``clean`` is the emulator's own in-process transport.
    """

    kind: str
    clock: ManualClock
    emulator: Emulator | KeygenEmulator
    clean: httpx.BaseTransport
    backend: Callable[..., Backend]
    license_keys: tuple[str, str]
    #: The Keygen account's public key (None for Keymint).
    public_key: str | None = None

    @classmethod
    def create(cls, kind: str) -> World:
        clock = ManualClock(EMULATOR_EPOCH)
        if kind == "keymint":
            return cls._keymint(clock)
        return cls._keygen(clock)

    @classmethod
    def _keymint(cls, clock: ManualClock) -> World:
        emulator = Emulator(clock=clock)
        seeds = (emulator.seed(uses_per_key=None), emulator.seed(uses_per_key=None))

        def backend(transport: httpx.BaseTransport, *, second: bool = False) -> Backend:
            seed = seeds[1 if second else 0]
            return KeymintBackend(
                product_id=seed.product_id,
                access_token=seed.access_token,
                base_url="http://127.0.0.1",
                features={FEATURE},
                transport=transport,
                clock=clock,
            )

        keys = (seeds[0].license_key, seeds[1].license_key)
        return cls("keymint", clock, emulator, emulator.transport(), backend, keys)

    @classmethod
    def _keygen(cls, clock: ManualClock) -> World:
        emulator = KeygenEmulator(clock=clock)
        options = {"max_machines": None, "entitlements": (FEATURE,), "require_heartbeat": True}
        seeds = (emulator.seed(**options), emulator.seed(**options))  # type: ignore[arg-type]

        def backend(transport: httpx.BaseTransport, *, second: bool = False) -> Backend:
            seed = seeds[1 if second else 0]
            return KeygenBackend(
                account=seed.account_id,
                public_key=seed.public_key,
                product=seed.product_id,
                base_url="http://127.0.0.1",
                transport=transport,
                clock=clock,
            )

        keys = (seeds[0].license_key, seeds[1].license_key)
        return cls(
            "keygen",
            clock,
            emulator,
            emulator.transport(),
            backend,
            keys,
            public_key=emulator.public_key,
        )

    def guard(
        self, data_dir: Path, device: str, backend: Backend, **options: object
    ) -> LicenseGuard:
        """A fresh guard of this world's app on *device* (its device ID), on the world's clock."""
        return LicenseGuard(
            app_id=APP_ID,
            backend=backend,
            data_dir=data_dir,
            device_id=device,
            clock=self.clock,
            **options,  # type: ignore[arg-type]
        )

    def activate(self, data_dir: Path, device: str, *, second: bool = False) -> LicenseGuard:
        """Activate *device* for real through the clean transport; returns its guard (open)."""
        guard = self.guard(data_dir, device, self.backend(self.clean, second=second))
        guard.activate(self.license_keys[1 if second else 0])
        return guard

    def close(self) -> None:
        self.clean.close()
        self.emulator.close()


#: Revalidate at every start in the answer campaign, so ensure_activated() goes online.
CHECK_EVERY = timedelta(seconds=1)


def scratch() -> Path:
    """A new scratch folder, in memory (``/dev/shm``) where there is one: every lease save
    fsyncs, and on a disk that, not the library, would be most of what is measured."""
    memory = Path("/dev/shm")
    where = memory if memory.is_dir() else None
    return Path(tempfile.mkdtemp(prefix="lg-fuzz-", dir=where))
