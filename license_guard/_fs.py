"""Small filesystem helpers shared by the lease store and the lock."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from license_guard._log import get_logger

__all__ = ["fsync_directory", "os_error_hint"]

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
