"""Small filesystem helpers shared by the lease store and the lock."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from license_guard._log import get_logger

__all__ = ["fsync_directory", "make_private_folder", "os_error_hint"]

log = get_logger("license_guard.store")

_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is exhausted; free some space and try again",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied; check the folder's permissions",
    errno.EPERM: "permission denied; check the folder's permissions",
    errno.ENOTDIR: "a file stands where a folder is expected",
}


def os_error_hint(exc: OSError) -> str:
    """What an OSError means for the user, in a few words."""
    return _HINTS.get(exc.errno or 0, exc.strerror or str(exc))


def make_private_folder(folder: Path) -> None:
    """Create *folder*, and each missing parent, readable by this user only (0700 on POSIX, as
    the XDG base-directory spec asks of the folders an app creates). Folders that exist already
    are left as they are: one the user made keeps the permissions the user gave it.

    Raises:
        OSError: a folder cannot be created, or a file stands where one is expected.
    """
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            if not path.is_dir():  # a file, or a dangling link: not a folder to write in
                raise
            # Another process created it meanwhile: its permissions are its own business.


def fsync_directory(directory: Path) -> None:
    """Make a rename in *directory* durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":  # pragma: no cover
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync of %s not supported", directory)
    finally:
        os.close(fd)
