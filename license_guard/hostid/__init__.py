"""Host ID: a stable, per-app, privacy-preserving identity for this device.

The raw identity comes from the first source that has one, most stable first::

    override      the app's ``device_id`` argument or $LICENSE_GUARD_DEVICE_ID
    machine-id    the OS machine ID: linux.py, windows.py, macos.py, other.py (BSD and the rest)
    mac           the permanent MAC of a physical network adapter (adapters.py, via psutil)
    install-id    a UUID stored once in a file (install.py)

and is then salted per app: ``host_id = hex(HMAC-SHA256(key=raw_id, msg=app_id))``, the value
py-machineid 1.0's ``hashed_id`` and Keygen machineid's ``ProtectedID`` compute. Typical use::

    sources = default_sources(install_id_path=data_dir / "install-id")
    identity = resolve_host_identity("com.example.app", sources)
    identity.host_id   # send this; identity.raw_id never leaves the process
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from license_guard._lazy import lazy_names
from license_guard.hostid.adapters import MacAddressSource
from license_guard.hostid.api import (
    DEVICE_ID_ENV_VAR,
    HostIdentity,
    IdentitySource,
    resolve_host_identity,
    salted_host_id,
    sanitize_raw_id,
)
from license_guard.hostid.chain import default_sources, machine_id_source
from license_guard.hostid.install import InstallIdSource
from license_guard.hostid.override import OverrideSource

if TYPE_CHECKING:
    from license_guard.hostid.linux import LinuxMachineIdSource
    from license_guard.hostid.macos import MacOSMachineIdSource
    from license_guard.hostid.other import PyMachineIdSource
    from license_guard.hostid.windows import WindowsMachineIdSource

__all__ = [
    "DEVICE_ID_ENV_VAR",
    "HostIdentity",
    "IdentitySource",
    "InstallIdSource",
    "LinuxMachineIdSource",
    "MacAddressSource",
    "MacOSMachineIdSource",
    "OverrideSource",
    "PyMachineIdSource",
    "WindowsMachineIdSource",
    "default_sources",
    "machine_id_source",
    "resolve_host_identity",
    "salted_host_id",
    "sanitize_raw_id",
]

# Each OS's machine-ID source is loaded on first use: a start imports its own platform's only.
_LAZY = {
    "LinuxMachineIdSource": "license_guard.hostid.linux",
    "MacOSMachineIdSource": "license_guard.hostid.macos",
    "PyMachineIdSource": "license_guard.hostid.other",
    "WindowsMachineIdSource": "license_guard.hostid.windows",
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
