"""A Keygen-compatible licensing server on this machine: the subset license_guard's Keygen
backend uses, with responses and files signed by a fresh Ed25519 key.

::

    from license_guard.emulator import EmulatorServer
    from license_guard.emulator.keygen import KeygenEmulator

    emu = KeygenEmulator()
    seed = emu.seed(max_machines=5, entitlements=["export-4k"])
    with EmulatorServer(emu) as server:       # http://127.0.0.1:<free port>
        ...                                   # or in process: emu.transport()

Importing this package needs the standard library only; ``cryptography`` is loaded when the
first emulator is made. See ``docs/emulator.md``.
"""

from __future__ import annotations

from license_guard.emulator.keygen.emulator import KeygenEmulator
from license_guard.emulator.keygen.errors import KeygenApiError
from license_guard.emulator.keygen.records import (
    ExpirationStrategy,
    HeartbeatStatus,
    KeygenSeed,
    LicenseRecord,
    MachineRecord,
    MachineUniqueness,
)

__all__ = [
    "ExpirationStrategy",
    "HeartbeatStatus",
    "KeygenApiError",
    "KeygenEmulator",
    "KeygenSeed",
    "LicenseRecord",
    "MachineRecord",
    "MachineUniqueness",
]
