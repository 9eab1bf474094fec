"""A cross-process lock on a file: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows.

The lock is held on an open descriptor, so the operating system releases it when the process
dies: a crashed app never leaves a stale lock behind.
"""

from __future__ import annotations

import _thread  # threading's RLock is this one; its module costs a start ~1 ms
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from license_guard._fs import make_private_folder, os_error_hint
from license_guard.errors import StorageError

__all__ = ["FileLock"]

_POLL_SECONDS = 0.02


class FileLock:
    """An exclusive lock shared by every process (and thread) that names the same file.

    Use as a context manager (waiting up to *timeout* seconds), or ``with lock.within(seconds):``
    for a caller with a deadline of its own. Either way one budget covers the whole wait: for
    another thread of this process, then for another process. Re-entrant within one thread, so a
    guard method that holds the lock may call another that takes it again.

    Raises (on enter):
        StorageError: the lock file cannot be created, or another thread or process held the
            lock for longer than the seconds allowed.
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._thread_lock = _thread.RLock()

    def __enter__(self) -> FileLock:
        self._take(self.timeout)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit()

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[FileLock]:
        """The lock, waiting at most *seconds* in all instead of *timeout*: a caller with a
        deadline passes the seconds it has left. Zero or less takes the lock only if it is free
        right now (or this thread already holds it).

        Raises:
            StorageError: as on enter.
        """
        self._take(seconds)
        try:
            yield self
        finally:
            self._exit()

    @contextlib.contextmanager
    def attempt(self) -> Iterator[bool]:
        """Take the lock only if nobody (no other thread or process) holds it right now.

        Yields whether it was taken; never waits. For callers that must not block, such as a
        status query on the UI thread while another thread activates.

        Raises:
            StorageError: the lock file cannot be created.
        """
        if not self._thread_lock.acquire(blocking=False):
            yield False
            return
        if not self._enter(give_up=None, seconds=0.0):
            yield False
            return
        try:
            yield True
        finally:
            self._exit()

    def _take(self, seconds: float) -> None:
        """Wait for the thread lock, then the file lock, both before the same moment."""
        seconds = max(seconds, 0.0)
        give_up = time.monotonic() + seconds
        if not self._thread_lock.acquire(timeout=seconds):
            raise StorageError(
                f"Another thread of this app has held the license lock {self.path} for more "
                f"than {seconds:.1f} s; try again in a moment.",
                path=self.path,
            )
        self._enter(give_up=give_up, seconds=seconds)

    def _enter(self, *, give_up: float | None, seconds: float) -> bool:
        """With the thread lock held: take the file lock unless this thread already has it.

        *give_up* is the monotonic time to stop waiting at, ``None`` for a single try.
        """
        if self._depth == 0:
            try:
                fd = self._acquire(give_up=give_up, seconds=seconds)
            except BaseException:
                self._thread_lock.release()
                raise
            if fd is None:
                self._thread_lock.release()
                return False
            self._fd = fd
        self._depth += 1
        return True

    def _exit(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
        self._thread_lock.release()

    def _acquire(self, *, give_up: float | None, seconds: float) -> int | None:
        try:
            make_private_folder(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the license lock file {self.path}: {os_error_hint(exc)}.",
                path=self.path,
            ) from exc
        while True:
            try:
                _try_lock(fd)
                return fd
            except OSError as exc:
                if give_up is None:
                    os.close(fd)
                    return None
                left = give_up - time.monotonic()
                if left <= 0:
                    os.close(fd)
                    raise StorageError(
                        f"Another process has held the license lock {self.path} for more than "
                        f"{seconds:.1f} s; try again in a moment, or close other copies of the "
                        "app.",
                        path=self.path,
                    ) from exc
                time.sleep(min(_POLL_SECONDS, left))


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
