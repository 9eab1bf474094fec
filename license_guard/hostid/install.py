"""The install ID: a random UUID created once and kept in a file, the source of last resort.

It is only as stable as its file: deleting the file, reinstalling into a fresh profile or using
another user account makes a new device as far as licensing is concerned. So it is created
exactly once, even when two processes start at the same moment, and a file that cannot be
written or read is an error rather than a reason to make up a new ID (each would take a seat).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from license_guard._fs import fsync_directory, make_private_folder
from license_guard.errors import HostIdError
from license_guard.hostid.api import DEVICE_ID_ENV_VAR, IdentitySource

__all__ = ["InstallIdSource"]

# Text, compiled by re on first use: a device with a machine ID never reads its install ID.
_INSTALL_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


class InstallIdSource(IdentitySource):
    """A UUID4 stored at *path*, created there on first use (file mode 0o600; the folders it
    creates 0o700, those that exist are left as they are)."""

    name = "install-id"

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str:
        """The stored install ID, e.g. ``"0b6f3c8e-5d1a-4b7e-9c2f-3a4d5e6f7a8b"``, created once.

        Raises :class:`HostIdError` when the file cannot be created or read, or is damaged.
        """
        return self._load() or self._create()

    def _load(self) -> str | None:
        """The ID in the file; ``None`` when there is no file yet."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("cannot be read", exc) from exc
        install_id = data.decode("ascii", errors="replace").strip()
        if not re.fullmatch(_INSTALL_ID, install_id):
            raise HostIdError(
                f"The install ID file {self.path} is damaged. Restore it from a backup, or delete"
                " it to create a new one (this device will then count as a new device)."
            )
        return install_id

    def _create(self) -> str:
        """A new ID, or the one another process published first."""
        import tempfile
        import uuid

        install_id = str(uuid.uuid4())
        try:
            make_private_folder(self.path.parent)
            # mkstemp opens with O_EXCL and mode 0o600; the link below shares that inode.
            handle, temporary = tempfile.mkstemp(prefix=".install-id-", dir=self.path.parent)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(install_id.encode("ascii"))
                    file.flush()
                    os.fsync(file.fileno())
                won = _link_if_absent(temporary, self.path)
            finally:
                os.unlink(temporary)
        except OSError as exc:
            raise self._error("cannot be stored", exc) from exc
        return install_id if won else self.read()

    def _error(self, what: str, exc: OSError) -> HostIdError:
        return HostIdError(
            f"The install ID file {self.path} {what} ({exc.strerror or exc}). Check that this"
            " user can read and write its folder and that the disk is not full, or set"
            f" {DEVICE_ID_ENV_VAR} to a value unique to this device."
        )


def _link_if_absent(source: str, target: Path) -> bool:
    """Give *source*'s complete content the name *target*, unless *target* exists already.

    A hard link, unlike a rename, never replaces: of two processes racing, exactly one wins
    and the other reads the winner's file. True when this call created *target*.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    fsync_directory(target.parent)
    return True
