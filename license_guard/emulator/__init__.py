"""A Keymint-compatible licensing server that runs on this machine (standard library only).

::

    from license_guard.emulator import Emulator, EmulatorServer

    emu = Emulator()                      # in memory; Emulator("state.db") keeps it in a file
    seed = emu.seed(uses_per_key=5)       # product, scoped token, customer, key
    with EmulatorServer(emu) as server:   # http://127.0.0.1:<free port>
        ...                               # or in process: httpx.Client(transport=emu.transport())
    emu.close()

See ``docs/emulator.md`` for the endpoints, the check order, faults and the CLI.
"""

from __future__ import annotations

from license_guard.emulator.errors import Code, EmulatorError, KeymintError
from license_guard.emulator.faults import Fault, FaultKind, Faults
from license_guard.emulator.keymint.emulator import Emulator
from license_guard.emulator.keymint.records import AccessToken, Customer, Product, Seed
from license_guard.emulator.keymint.service import Licensee, Message
from license_guard.emulator.requestlog import RequestRecord
from license_guard.emulator.server import EmulatorServer

__all__ = [
    "AccessToken",
    "Code",
    "Customer",
    "Emulator",
    "EmulatorError",
    "EmulatorServer",
    "Fault",
    "FaultKind",
    "Faults",
    "KeymintError",
    "Licensee",
    "Message",
    "Product",
    "RequestRecord",
    "Seed",
]
