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

        ``None`` when neither holds an ID (missing, empty or ``uninitialized``).

        Raises:
            HostIdError: a machine-ID file exists but cannot be read (permissions, I/O error).
        """
        return self._read_file(_DBUS_MACHINE_ID) or self._read_file(_SYSTEMD_MACHINE_ID)

    def _read_file(self, relative: str) -> str | None:
        path = self.root / relative
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            # Present but unreadable: falling through to another source would give this device
            # a different host ID (a lost lease, and a new seat at re-activation).
            raise HostIdError(
                f"The machine ID at {path} cannot be read ({exc.strerror}); fix its permissions "
                "or set LICENSE_GUARD_DEVICE_ID."
            ) from exc
        raw_id = sanitize_raw_id(text)
        return raw_id if raw_id != _PLACEHOLDER else None
