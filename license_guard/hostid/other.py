"""Every other platform (FreeBSD, OpenBSD, ...): the machine ID as py-machineid reads it."""

from __future__ import annotations

from collections.abc import Callable

from license_guard.hostid.api import IdentitySource, sanitize_raw_id

__all__ = ["PyMachineIdSource", "py_machineid"]


def py_machineid() -> str | None:
    """py-machineid's ``machineid.id()`` for this OS, or ``None`` where it finds no ID.

    Imported on first use: py-machineid runs shell commands on some platforms.
    """
    import machineid

    try:
        return sanitize_raw_id(machineid.id()) or None
    except machineid.MachineIdNotFound:
        return None


class PyMachineIdSource(IdentitySource):
    """The machine ID from *read_id*, by default py-machineid (BSD: ``/etc/hostid``, ``kenv``)."""

    name = "machine-id"

    def __init__(self, *, read_id: Callable[[], str | None] = py_machineid) -> None:
        self._read_id = read_id

    def read(self) -> str | None:
        """``machineid.id()``, sanitized; ``None`` where py-machineid finds no ID."""
        return self._read_id()
