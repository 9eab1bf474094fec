"""Re-checking the license in the background, for apps that stay open for days.

The schedule is a pure object (:class:`RefreshSchedule`) so its effect on a whole fleet can be
computed with a virtual clock. A fleet of installs activated at the same moment would otherwise
all come back at the same minute every day; so the first check after start is placed at random
before it falls due, and later checks keep that phase with a little jitter. Failed checks
back off exponentially (with jitter) up to an hour. Every error is caught and logged: the
refresher never dies of one, and only :meth:`BackgroundRefresher.stop` ends it.

A second thread sends heartbeats for licenses whose policy requires them (Keygen): at once, then
as often as the backend says, retrying sooner after a failure; while none is needed (no lease
yet, or a policy without heartbeats) it looks again every ``retry_initial``, which reads memory
only.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from license_guard._log import get_logger
from license_guard._record import Record, field
from license_guard.errors import LicenseError, LicenseUnreachableError
from license_guard.status import LicenseStatus

if TYPE_CHECKING:
    from license_guard.policy import Policy

__all__ = ["BackgroundRefresher", "RefreshSchedule", "Refreshable"]

log = get_logger("license_guard.refresh")

OnResult = Callable[["LicenseStatus | LicenseError"], None]


class Refreshable(Protocol):
    """What the refresher drives: a :class:`~license_guard.LicenseGuard`, or a test's stand-in."""

    @property
    def policy(self) -> Policy: ...

    def revalidate(self) -> LicenseStatus: ...

    def heartbeat(self) -> timedelta | None: ...

    def status(self) -> LicenseStatus: ...


class RefreshSchedule(Record):
    """When to ask the server next. All results are delays from now.

    Attributes:
        interval: ``revalidate_every``.
        jitter: the fraction of the interval by which a regular check may come early.
        retry_initial: the first wait after a failed check; doubles per failure.
        retry_max: the longest wait after failures.
        random: a source of floats in [0, 1).
    """

    interval: timedelta
    jitter: float = 0.05
    retry_initial: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=1)
    random: Callable[[], float] = field(default=random.random, repr=False)

    def first(self, due_in: timedelta) -> timedelta:
        """The first check after start: anywhere before it falls due, to spread a fleet.

        The delay is drawn as the time to the next check of a refresher that has been running
        for long (the forward recurrence time of :meth:`after_success`'s delays): uniform over
        the interval times a size-biased regular delay. So a fleet started at one instant asks
        at the same rate on its first day as on any later one. A plain uniform draw would not:
        the second checks of the installs that drew an early first one (due again a little
        early, by the jitter) would pile onto the last first checks, up to twice the rate in
        the hour before the first day ends.
        """
        if due_in <= timedelta(0):
            overdue: float = self.random()
            return min(self.retry_initial, self.interval) * overdue
        shortest = 1.0 - self.jitter  # regular delays are uniform in [shortest, 1] intervals
        size_biased = math.sqrt(shortest**2 + self.random() * (1.0 - shortest**2))
        fraction: float = self.random() * size_biased
        return min(due_in, self.interval) * fraction

    def after_success(self) -> timedelta:
        """The next regular check: one interval later, a little early at random."""
        fraction: float = self.random()
        return self.interval * (1.0 - self.jitter * fraction)

    def after_failure(self, failures: int) -> timedelta:
        """The wait after *failures* failed checks in a row (full-range jitter, bounded)."""
        doublings = min(max(0, failures - 1), 30)  # bounded: timedelta overflows long before 2**64
        backoff = min(self.retry_max, self.retry_initial * (1 << doublings))
        fraction: float = self.random()
        return min(backoff * (0.5 + 0.5 * fraction), self.interval)


class BackgroundRefresher:
    """A daemon thread that calls ``guard.revalidate()`` on a :class:`RefreshSchedule`.

    ``on_result`` (if given) is called from the refresher's thread with the new status or the
    error of each check, so a GUI can react to a revocation (marshal it to the UI thread).
    """

    def __init__(
        self,
        guard: Refreshable,
        *,
        schedule: RefreshSchedule | None = None,
        on_result: OnResult | None = None,
    ) -> None:
        self.guard = guard
        self.schedule = schedule or RefreshSchedule(interval=guard.policy.revalidate_every)
        self.on_result = on_result
        self.checks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beats: threading.Thread | None = None
        #: Heartbeats sent so far.
        self.heartbeats = 0

    @property
    def running(self) -> bool:
        """Whether the thread is alive and not asked to stop."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="license_guard-refresh", daemon=True)
        self._thread.start()
        self._beats = threading.Thread(
            target=self._beat, name="license_guard-heartbeat", daemon=True
        )
        self._beats.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to stop and wait up to *timeout* seconds for it."""
        self._stop.set()
        for thread in (self._thread, self._beats):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)

    def _run(self) -> None:
        delay = self.schedule.first(self._due_in())
        failures = 0
        while not self._stop.wait(delay.total_seconds()):
            self.checks += 1
            outcome: LicenseStatus | LicenseError
            try:
                outcome = self.guard.revalidate()
            except LicenseUnreachableError as exc:
                failures += 1
                outcome = exc
                delay = self.schedule.after_failure(failures)
                log.info("background license check failed (%d in a row): %s", failures, exc)
            except LicenseError as exc:
                failures = 0
                outcome = exc
                delay = self.schedule.after_success()
                log.warning("background license check: %s", exc)
            except Exception as exc:
                failures += 1
                delay = self.schedule.after_failure(failures)
                log.exception("background license check crashed; will retry")
                outcome = LicenseError(
                    f"Unexpected error during the license check ({type(exc).__name__})."
                )
            else:
                failures = 0
                delay = self.schedule.after_success()
            self._report(outcome)

    def _beat(self) -> None:
        delay, failures, period = timedelta(0), 0, self.schedule.retry_max
        while not self._stop.wait(delay.total_seconds()):
            try:
                next_in = self.guard.heartbeat()
            except LicenseUnreachableError as exc:
                failures += 1
                # Sooner than the usual backoff: a heartbeat missed for a whole period is fatal.
                delay = min(self.schedule.after_failure(failures), period / 4)
                log.info("heartbeat failed (%d in a row): %s", failures, exc)
                continue
            except LicenseError as exc:
                failures, delay = 0, self.schedule.retry_max
                log.warning("heartbeat refused: %s", exc)
                self._report(exc)
                continue
            except Exception:
                failures += 1
                delay = self.schedule.after_failure(failures)
                log.exception("heartbeat crashed; will retry")
                continue
            failures = 0
            if next_in is None:
                delay = self.schedule.retry_initial
            else:
                self.heartbeats += 1
                period = delay = next_in

    def _due_in(self) -> timedelta:
        try:
            status = self.guard.status()
        except LicenseError:
            return timedelta(0)
        if status.next_check_at is None:
            return timedelta(0)
        return status.next_check_at - status.checked_at

    def _report(self, outcome: LicenseStatus | LicenseError) -> None:
        if self.on_result is None:
            return
        try:
            self.on_result(outcome)
        except Exception:
            log.exception("on_result callback failed")
