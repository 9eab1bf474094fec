"""Where the lease lives: one sealed file, atomic writes under a cross-process lock, and
quarantine of a file that cannot be trusted.

Layout of the storage folder (``platformdirs.user_data_dir(app_id)`` unless overridden)::

    license.lease                  the sealed lease (see license_guard.lease)
    license.lock                   the lock every process takes before writing
    license.lease.bad-<UTC time>   a lease that failed verification, kept for support
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

from license_guard._fs import fsync_directory, os_error_hint
from license_guard._lock import FileLock
from license_guard._log import get_logger
from license_guard.errors import LeaseError, StorageError
from license_guard.lease import Lease, open_lease, seal_lease

__all__ = ["LeaseStore"]

log = get_logger("license_guard.store")

LEASE_NAME = "license.lease"
LOCK_NAME = "license.lock"
_MAX_LEASE_BYTES = (
    1 << 20
)  # a lease is under 10 KiB (a Keygen one holds a signed file); anything huge is not ours


class LeaseStore:
    """Reads and writes the sealed lease of one app and product on this device."""

    def __init__(self, directory: Path, *, key: bytes, lock_timeout: float = 30.0) -> None:
        self.directory = directory
        self.path = directory / LEASE_NAME
        self.lock = FileLock(directory / LOCK_NAME, timeout=lock_timeout)
        self._key = key

    def __repr__(self) -> str:
        return f"LeaseStore({str(self.directory)!r})"

    def exists(self) -> bool:
        """Whether a lease file is present (trusted or not)."""
        return self.path.exists()

    def load(self, *, host_id: str, product_id: str) -> Lease | None:
        """The verified lease, or ``None`` when there is none.

        A lease that fails verification (edited, truncated, sealed elsewhere, for another
        device or product) is moved aside so support can look at it, and the error says where.

        Raises:
            LeaseError: the lease cannot be trusted; it has been moved to ``quarantined_to``.
            StorageError: the file exists but can neither be read nor moved aside.
        """
        try:
            with self.path.open("rb") as handle:
                blob = handle.read(_MAX_LEASE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            problem = LeaseError(f"The license file cannot be read ({exc.strerror}).")
            problem.__cause__ = exc
            self.quarantine(problem)
        try:
            if len(blob) > _MAX_LEASE_BYTES:
                raise LeaseError("The license file is far too large to be a lease.")
            lease = open_lease(blob, self._key)
            if lease.host_id != host_id:
                raise LeaseError("The license file belongs to another device.")
            if lease.product_id != product_id:
                raise LeaseError("The license file belongs to another product.")
        except LeaseError as problem:
            self.quarantine(problem)
        return lease

    def save(self, lease: Lease) -> None:
        """Write *lease* atomically: a reader sees the old file or the new one, never a mix.

        Raises:
            StorageError: the folder cannot be created or written (full disk, read-only,
                permissions); the previous lease, if any, is left intact.
        """
        blob = seal_lease(lease, self._key)
        with self.lock:
            self._write_atomically(blob)

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

    def _write_atomically(self, blob: bytes) -> None:
        # Imported here: tempfile (with shutil, random, bz2 and lzma behind it) is among the
        # largest imports of a start, and a start with a fresh lease writes nothing.
        import tempfile

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
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

    def quarantine(self, problem: LeaseError) -> NoReturn:
        """Move the lease aside (kept for support) and raise *problem* saying where it went.

        Raises:
            LeaseError: always; ``quarantined_to`` names the file kept aside.
            StorageError: the lease can be neither read nor moved aside.
        """
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"{LEASE_NAME}.bad-{stamp}")
        try:
            with self.lock.attempt() as locked:
                if locked:
                    os.replace(self.path, target)
        except FileNotFoundError:
            target = self.path  # another process moved it first; nothing left to move
        except (OSError, StorageError) as exc:
            reason = os_error_hint(exc) if isinstance(exc, OSError) else str(exc)
            raise StorageError(
                f"{problem} It could not be moved aside either ({reason}); "
                f"delete {self.path} and activate again.",
                path=self.path,
            ) from problem
        if not locked:
            # Someone is writing a lease right now (an activation); it replaces this one.
            raise LeaseError(
                f"{problem} Another process is activating this computer right now.",
            ) from problem
        log.warning("untrusted lease moved aside to %s: %s", target, problem)
        raise LeaseError(
            f"{problem} It was moved aside to {target.name}; activate this computer again "
            "(this does not use another seat).",
            quarantined_to=target,
        ) from problem


def _storage_error(action: str, path: Path, exc: OSError) -> StorageError:
    return StorageError(
        f"Cannot {action} the license file at {path}: {os_error_hint(exc)}.", path=path
    )
