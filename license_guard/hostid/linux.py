"""Linux: the systemd / D-Bus machine ID, read from files only (no subprocess)."""

from __future__ import annotations

from pathlib import Path

from license_guard.errors import HostIdError
from license_guard.hostid.api import IdentitySource, sanitize_raw_id

__all__ = ["LinuxMachineIdSource"]

_SYSTEM_ROOT = Path("/")
# The D-Bus copy first, as py-machineid and Keygen's machineid read them.
_DBUS_MACHINE_ID = "var/lib/dbus/machine-id"
_SYSTEMD_MACHINE_ID = "etc/machine-id"
# machine-id(5): an image prepared for first boot holds this placeholder, shared by every clone.
_PLACEHOLDER = "uninitialized"


class LinuxMachineIdSource(IdentitySource):
    """The machine ID under *root* (``/`` unless a test or a chroot says otherwise)."""

    name = "machine-id"

    def __init__(self, *, root: Path = _SYSTEM_ROOT) -> None:
        self.root = root

    def read(self) -> str | None:
        """``<root>/var/lib/dbus/machine-id``, else ``<root>/etc/machine-id``, sanitized.

        A file that exists but cannot be read (a folder in its place, no permission) is passed
        over when the other holds an ID, as py-machineid passes over it: on systemd systems the
        D-Bus file is a link to, or a copy of, ``/etc/machine-id``. ``None`` when neither file
        exists or holds an ID (empty, ``uninitialized``).

        Raises:
            HostIdError: no file holds an ID and one exists but cannot be read (permissions,
                I/O error): falling through to another source would give this device a
                different host ID once the file is readable again (a lost lease, a new seat).
        """
        unreadable: list[tuple[Path, OSError]] = []
        for path in (self.root / _DBUS_MACHINE_ID, self.root / _SYSTEMD_MACHINE_ID):
            try:
                raw_id = _read_machine_id(path)
            except OSError as error:
                unreadable.append((path, error))
                continue
            if raw_id:
                return raw_id
        if unreadable:
            first, cause = unreadable[0]
            raise HostIdError(
                f"The machine ID at {first} cannot be read ({cause.strerror}); fix its "
                "permissions or set LICENSE_GUARD_DEVICE_ID."
            ) from cause
        return None


def _read_machine_id(path: Path) -> str | None:
    """The sanitized ID in *path*; ``None`` when there is no such file or no ID in it.

    Raises:
        OSError: the file exists but cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return None
    raw_id = sanitize_raw_id(text)
    return raw_id if raw_id != _PLACEHOLDER else None
