"""The standard chain of sources, most stable first, with the machine-ID source for each OS."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from license_guard.hostid.adapters import MacAddressSource
from license_guard.hostid.api import IdentitySource
from license_guard.hostid.install import InstallIdSource
from license_guard.hostid.override import OverrideSource

__all__ = ["default_sources", "machine_id_source"]

_LINUX_SYSFS_NET = Path("/sys/class/net")


def default_sources(
    *,
    install_id_path: Path,
    override: str | None = None,
    platform: str = sys.platform,
    environ: Mapping[str, str] | None = None,
) -> list[IdentitySource]:
    """Override, OS machine ID, physical MAC, install ID: the order :func:`resolve_host_identity`
    tries them in. Nothing is read here; sources read only when the chain reaches them.

    *platform* is a ``sys.platform`` value. ``$LICENSE_GUARD_DEVICE_ID`` is read from *environ*
    only when one is given: whoever may set that variable may make a copied lease open on
    their computer (with another computer's raw ID), so honouring it is the app's decision.
    Raises :class:`ConfigurationError` for an empty *override*.
    """
    sysfs = _LINUX_SYSFS_NET if platform.startswith("linux") else None
    return [
        OverrideSource(override, environ={} if environ is None else environ),
        machine_id_source(platform),
        MacAddressSource(sysfs=sysfs),
        InstallIdSource(install_id_path),
    ]


def machine_id_source(platform: str = sys.platform) -> IdentitySource:
    """The OS machine-ID source for *platform*, chosen as platformdirs chooses its class.

    Only that platform's module is imported (each module a start skips saves it some 0.4 M
    instructions; docs/performance.md).
    """
    if platform.startswith("linux"):
        from license_guard.hostid.linux import LinuxMachineIdSource

        return LinuxMachineIdSource()
    if platform == "win32":
        from license_guard.hostid.windows import WindowsMachineIdSource

        return WindowsMachineIdSource()
    if platform == "darwin":
        from license_guard.hostid.macos import MacOSMachineIdSource

        return MacOSMachineIdSource()
    from license_guard.hostid.other import PyMachineIdSource

    return PyMachineIdSource()
