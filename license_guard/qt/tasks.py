"""Guard calls off the UI thread: each runs in a worker and reports back through a Qt signal.

Activation, release and online checks can take as long as the guard's deadline (a hung server
holds them until then), and even reading the lease waits while another thread holds the guard's
lock. So the UI thread never calls the guard: it asks :class:`LicenseTasks`, which runs the call
in Qt's global thread pool (one call at a time, in the order asked) and emits
:attr:`LicenseTasks.finished` with an :class:`Outcome`, delivered on the UI thread by Qt's queued
connection. Every outcome carries a fresh status read in the worker, so the UI has something to
show without touching the guard.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from qtpy.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal

from license_guard._log import get_logger
from license_guard.errors import LicenseError

if TYPE_CHECKING:
    from license_guard.guard import LicenseGuard
    from license_guard.status import LicenseStatus

__all__ = ["LicenseTasks", "Operation", "Outcome"]

log = get_logger("license_guard.qt")


class Operation(str, Enum):
    """What a task did."""

    STARTUP = "startup"
    """``guard.ensure_activated()``: the startup check."""
    STATUS = "status"
    """``guard.status()``: read the lease, no network."""
    ACTIVATE = "activate"
    """``guard.activate(key)``."""
    CHECK = "check"
    """``guard.revalidate()``: ask the server now."""
    RELEASE = "release"
    """``guard.release()``: free this device's seat."""


@dataclass(frozen=True)
class Outcome:
    """The result of one task, as the UI thread receives it.

    Attributes:
        operation: what ran.
        status: the license status read right after it (``None`` only when even that failed).
        error: the :class:`LicenseError` the call raised, or ``None``.
        released: for :attr:`Operation.RELEASE`, whether a seat was freed.
    """

    operation: Operation
    status: LicenseStatus | None
    error: LicenseError | None = None
    released: bool | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


class _Task(QRunnable):
    """One guard call in a pool thread; the outcome goes back through *deliver* (a signal)."""

    def __init__(
        self,
        guard: LicenseGuard,
        operation: Operation,
        call: Callable[[], object],
        deliver: Callable[[Outcome], None],
    ) -> None:
        super().__init__()
        self._guard = guard
        self._operation = operation
        self._call = call
        self._deliver = deliver

    def run(self) -> None:
        error: LicenseError | None = None
        released: bool | None = None
        try:
            result = self._call()
            if self._operation is Operation.RELEASE:
                released = bool(result)
        except LicenseError as exc:
            error = exc
        except Exception as exc:
            # A bug, not a license problem: it must still reach the UI, or the dialog would
            # wait forever. The repr stays in the log; the UI gets the type only.
            log.exception("license %s failed unexpectedly", self._operation.value)
            error = LicenseError(
                f"Unexpected error while talking to the licensing service "
                f"({type(exc).__name__}); see the app's log."
            )
        status: LicenseStatus | None = None
        try:
            status = self._guard.status()
        except LicenseError as exc:
            error = error or exc
        try:
            self._deliver(Outcome(self._operation, status, error, released))
        except RuntimeError:
            log.debug("license %s finished after its receiver was deleted", self._operation.value)


class LicenseTasks(QObject):
    """Runs guard calls off the UI thread, one at a time, and reports each on the UI thread.

    Create it on the UI thread. Connect :attr:`finished` (receives an :class:`Outcome`) and
    :attr:`busy_changed` (``True`` while any call is queued or running). No method blocks but
    :meth:`wait`. Calls run in Qt's global thread pool, one after another in the order asked
    (a release never overtakes the activation before it). A call still running when the app
    quits holds its exit for at most the guard's deadline.
    """

    started = Signal(object)
    """Emitted with the :class:`Operation` when a call is queued."""
    finished = Signal(object)
    """Emitted on the UI thread with the :class:`Outcome` of each call."""
    busy_changed = Signal(bool)
    """Emitted when the first call is queued (``True``) and when the last one ends."""

    _delivered = Signal(object)

    def __init__(self, guard: LicenseGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.guard = guard
        self._queue: deque[tuple[Operation, Callable[[], object]]] = deque()
        self._running = False
        # Queued explicitly: the worker emits, the slot runs later on this object's thread.
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        """Whether a call is queued or running."""
        return self._running or bool(self._queue)

    def startup_check(self) -> None:
        """``guard.ensure_activated()``; errors arrive in the outcome (NotActivatedError, ...)."""
        self._run(Operation.STARTUP, self.guard.ensure_activated)

    def refresh(self) -> None:
        """``guard.status()``: re-read the lease, without the network."""
        self._run(Operation.STATUS, self.guard.status)

    def activate(self, license_key: str, *, device_tag: str | None = None) -> None:
        """``guard.activate(license_key, device_tag=...)``."""
        self._run(
            Operation.ACTIVATE, lambda: self.guard.activate(license_key, device_tag=device_tag)
        )

    def check(self) -> None:
        """``guard.revalidate()``: ask the server now."""
        self._run(Operation.CHECK, self.guard.revalidate)

    def release(self) -> None:
        """``guard.release()``: free this device's seat and remove the lease."""
        self._run(Operation.RELEASE, self.guard.release)

    def wait(self, msecs: int = -1) -> bool:
        """Run the event loop until every call has finished and been reported, or *msecs* have
        passed (``-1``: no limit); for shutdown and scripts. Returns whether all finished."""
        if self.busy:
            loop = QEventLoop()
            self.busy_changed.connect(loop.quit)
            if msecs >= 0:
                QTimer.singleShot(msecs, loop.quit)
            loop.exec()
            self.busy_changed.disconnect(loop.quit)
        return not self.busy

    def _run(self, operation: Operation, call: Callable[[], object]) -> None:
        was_busy = self.busy
        self._queue.append((operation, call))
        if not was_busy:
            self.busy_changed.emit(True)
        self.started.emit(operation)
        self._start_next()

    def _start_next(self) -> None:
        if self._running or not self._queue:
            return
        operation, call = self._queue.popleft()
        self._running = True
        # The global pool, not one of our own: a pool is waited for when it is destroyed, and
        # with PyQt that wait would hold Python's lock that a finishing task still needs.
        QThreadPool.globalInstance().start(_Task(self.guard, operation, call, self._delivered.emit))

    def _on_delivered(self, outcome: Outcome) -> None:
        self._running = False
        self.finished.emit(outcome)
        self._start_next()
        if not self.busy:
            self.busy_changed.emit(False)
