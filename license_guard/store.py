"""Where the lease lives: one sealed file per product, atomic writes under a cross-process lock,
and quarantine of a file that cannot be trusted.

Layout of the storage folder (``platformdirs.user_data_dir(app_id)`` unless overridden), for a
product whose id hashes to ``3f9a0c1b2d4e``::

    license-3f9a0c1b2d4e.lease                  the sealed lease (see license_guard.lease)
    license-3f9a0c1b2d4e.lock                   the lock every process takes before writing
    license-3f9a0c1b2d4e.lease.bad-<UTC time>   a lease that failed verification, for support

One file per product, so an app and its plug-in sold as two products keep two leases.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

from license_guard import crypto
from license_guard._fs import fsync_directory, make_private_folder, os_error_hint
from license_guard._lock import FileLock
from license_guard._log import get_logger
from license_guard.errors import LeaseError, StorageError
from license_guard.lease import Lease, open_lease, seal_lease

__all__ = ["LeaseStore", "default_data_dir", "lease_file_stem"]

log = get_logger("license_guard.store")

# A lease is under 10 KiB (a Keygen one holds a signed file); anything huge is not ours.
_MAX_LEASE_BYTES = 1 << 20
# How often a load re-reads a file another process replaced while it was being checked.
_RELOADS = 3

Verify = Callable[[Lease], Lease]


def default_data_dir(app_id: str) -> Path:
    """Where an app's leases live unless it says otherwise: ``platformdirs.user_data_dir(app_id)``
    (``~/.local/share/<app_id>`` on Linux, ``%LOCALAPPDATA%\\<app_id>`` on Windows,
    ``~/Library/Application Support/<app_id>`` on macOS)."""
    import platformdirs  # with what it imports, a few ms a start that passes data_dir skips

    return Path(platformdirs.user_data_dir(app_id, appauthor=False))


def lease_file_stem(product_id: str) -> str:
    """``license-<12 hex>``: the lease's file name without suffix, for one product."""
    return "license-" + crypto.sha256(product_id.encode()).hex()[:12]


class LeaseStore:
    """Reads and writes the sealed lease of one app and product on this device.

    Args:
        directory: the storage folder.
        key: the sealing key (:func:`~license_guard.lease.lease_key`).
        host_id: the device a lease must be for.
        product_id: the product a lease must be for.
        verify: the backend's check of what it signed (``Backend.check_lease``), run on every
            lease loaded and on every lease before it is saved; what it returns is the lease.
        stem: the file name without suffix (:func:`lease_file_stem`).
        lock_timeout: the longest wait for the cross-process lock.
        now: the wall clock, for naming a file set aside.
    """

    def __init__(
        self,
        directory: Path,
        *,
        key: bytes,
        host_id: str,
        product_id: str,
        verify: Verify | None = None,
        stem: str = "license",
        lock_timeout: float = 30.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.directory = directory
        self.path = directory / f"{stem}.lease"
        self.lock = FileLock(directory / f"{stem}.lock", timeout=lock_timeout)
        self.host_id = host_id
        self.product_id = product_id
        self._key = key
        self._verify = verify
        self._now = now or (lambda: datetime.now(timezone.utc))

    def __repr__(self) -> str:
        return f"LeaseStore({str(self.path)!r})"

    def load(self) -> Lease | None:
        """The verified lease, or ``None`` when there is none.

        A lease that fails verification (edited, truncated, sealed elsewhere, for another
        device or product, or refused by ``verify``) is moved aside so
        support can look at it, and the error says where; a file another process replaced
        meanwhile is read again instead.

        Raises:
            LeaseError: the lease cannot be trusted; it has been moved to ``quarantined_to``
                (``None`` when another process was writing the lease at that moment).
            StorageError: the file exists but cannot be read (it is left in place), or it can
                be neither trusted nor moved aside.
        """
        for _ in range(_RELOADS):
            blob = self._read()
            if blob is None:
                return None
            try:
                return self._checked(self._open(blob))
            except LeaseError as problem:
                self._set_aside(problem, blob)
        raise StorageError(
            f"The license file {self.path} kept changing while it was read; try again.",
            path=self.path,
        )

    def save(self, lease: Lease) -> Lease:
        """Verify *lease* as every later load will, then write it atomically (a reader sees the
        old file or the new one, never a mix). Returns the lease as a load will return it.

        Raises:
            LeaseError: ``verify`` refused the lease; nothing was written.
            StorageError: the folder cannot be created or written (full disk, read-only,
                permissions); the previous lease, if any, is left intact.
        """
        checked = self._checked(lease)
        blob = seal_lease(lease, self._key)
        with self.lock:
            self._write_atomically(blob)
        return checked

    def delete(self) -> bool:
        """Remove the lease; returns whether there was one.

        Raises:
            StorageError: the file exists and cannot be removed.
        """
        with self.lock:
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise _storage_error("remove", self.path, exc) from exc
            return True

    def _read(self) -> bytes | None:
        try:
            with self.path.open("rb") as handle:
                return handle.read(_MAX_LEASE_BYTES + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            return b""  # a folder where the lease belongs: not a lease, set it aside
        except OSError as exc:
            # Unreadable now (permissions, I/O error, out of file handles) says nothing about
            # the lease itself: it stays where it is.
            raise StorageError(
                f"The license file {self.path} cannot be read: {os_error_hint(exc)}.",
                path=self.path,
            ) from exc

    def _open(self, blob: bytes) -> Lease:
        if len(blob) > _MAX_LEASE_BYTES:
            raise LeaseError("The license file is far too large to be a lease.")
        lease = open_lease(blob, self._key)
        if lease.host_id != self.host_id:
            raise LeaseError("The license file belongs to another device.")
        if lease.product_id != self.product_id:
            raise LeaseError("The license file belongs to another product.")
        return lease

    def _checked(self, lease: Lease) -> Lease:
        return lease if self._verify is None else self._verify(lease)

    def _set_aside(self, problem: LeaseError, blob: bytes) -> None:
        """Move the file that failed aside, if it is still the one that failed, and raise.

        Returns (so the caller reads again) when another process replaced or removed the
        file since it was read: that newer file deserves its own check.
        """
        stamp = self._now().strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        try:
            with self.lock.attempt() as locked:
                if locked:
                    if self._read_quietly() != blob:
                        return
                    os.replace(self.path, target)
        except (OSError, StorageError) as exc:
            reason = os_error_hint(exc) if isinstance(exc, OSError) else str(exc)
            raise StorageError(
                f"{problem} It could not be moved aside either ({reason}); "
                f"delete {self.path} and activate again.",
                path=self.path,
            ) from problem
        if not locked:
            # Another process is writing a lease right now (an activation); it replaces this.
            raise LeaseError(
                f"{problem} Another process is activating this computer right now; try again."
            ) from problem
        self._raise_moved(problem, target)

    def _read_quietly(self) -> bytes | None:
        try:
            return self._read()
        except StorageError:
            return None

    def _raise_moved(self, problem: LeaseError, target: Path) -> NoReturn:
        log.warning("untrusted lease moved aside to %s: %s", target, problem)
        raise LeaseError(
            f"{problem} It was moved aside to {target.name}; activate this computer again "
            "(this does not use another seat).",
            quarantined_to=target,
        ) from problem

    def _write_atomically(self, blob: bytes) -> None:
        # Imported here: tempfile (with shutil, random, bz2 and lzma behind it) is among the
        # largest imports of a start, and a start with a fresh lease writes nothing.
        import tempfile

        try:
            make_private_folder(self.directory)
            fd, temp_name = tempfile.mkstemp(prefix=".lease-", suffix=".tmp", dir=self.directory)
        except OSError as exc:
            raise _storage_error("create", self.directory, exc) from exc
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise _storage_error("write", self.path, exc) from exc
        fsync_directory(self.directory)


def _storage_error(action: str, path: Path, exc: OSError) -> StorageError:
    return StorageError(
        f"Cannot {action} the license file at {path}: {os_error_hint(exc)}.", path=path
    )
