"""Windows: ``MachineGuid``, the ID Windows setup writes once per installation."""

from __future__ import annotations

import sys
from collections.abc import Callable

from license_guard.hostid.api import IdentitySource, sanitize_raw_id
from license_guard.hostid.other import py_machineid

__all__ = ["CRYPTOGRAPHY_KEY", "RegistryReader", "WindowsMachineIdSource", "read_hklm"]

CRYPTOGRAPHY_KEY = r"SOFTWARE\Microsoft\Cryptography"

RegistryReader = Callable[[str, str], object]
"""``reader(key, value_name)``: the data of ``HKLM\\<key>\\<value_name>``.

Raises ``OSError`` when the key or value is absent."""


def read_hklm(key: str, value_name: str) -> object:
    """The data of ``HKLM\\<key>\\<value_name>`` in the 64-bit view of the registry.

    ``KEY_WOW64_64KEY`` makes 32-bit Python on 64-bit Windows read the real key instead of
    ``WOW6432Node``, which usually has no ``MachineGuid``. Raises ``OSError`` when the value is
    absent, and everywhere but Windows.
    """
    if sys.platform == "win32":
        import winreg

        access = winreg.KEY_READ | winreg.KEY_WOW64_64KEY
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key, 0, access) as handle:
            return winreg.QueryValueEx(handle, value_name)[0]
    raise OSError("there is no Windows registry on this platform")


class WindowsMachineIdSource(IdentitySource):
    """``MachineGuid`` through *read_registry*, else *fallback* (py-machineid's ``id()``)."""

    name = "machine-id"

    def __init__(
        self,
        *,
        read_registry: RegistryReader = read_hklm,
        fallback: Callable[[], str | None] = py_machineid,
    ) -> None:
        self._read_registry = read_registry
        self._fallback = fallback

    def read(self) -> str | None:
        """``HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MachineGuid``, sanitized, e.g.
        ``"8c1b4f0e-2b7a-4a4e-9d55-0f6f3e0c2a11"``; else the fallback's ID; else ``None``."""
        return self._machine_guid() or self._fallback()

    def _machine_guid(self) -> str | None:
        try:
            value = self._read_registry(CRYPTOGRAPHY_KEY, "MachineGuid")
        except OSError:
            return None
        return sanitize_raw_id(value) if isinstance(value, str) else None
