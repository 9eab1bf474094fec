"""The time a guard decides with: the server's, once this session has reached it.

Before any server answer the local clock is all there is (and the policy checks it against
the highest time already seen). After one, time is the server's ``Date`` plus the monotonic time
elapsed since, never earlier than the local clock: turning the clock back during a session
then changes nothing, and turning it forward only hurts the one who does it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from license_guard.clock import Clock

__all__ = ["DATE_RESOLUTION", "SessionTime"]

# An HTTP Date has whole seconds; a local clock within this much after it agrees with it.
DATE_RESOLUTION = timedelta(seconds=2)


class SessionTime:
    """The current time, anchored to the last server answer of this session."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._anchor: tuple[datetime, float] | None = None

    def now(self) -> tuple[datetime, bool]:
        """The current time, and whether it is trusted (anchored to the server)."""
        local = self._clock.now()
        anchor = self._anchor
        if anchor is None:
            return local, False
        server_time, at = anchor
        trusted = server_time + timedelta(seconds=self._clock.monotonic() - at)
        return max(local, trusted), True

    def record(self, server_time: datetime | None) -> tuple[datetime, timedelta]:
        """Anchor to a server answer's time (if it had one).

        Returns the time to store as the last check, and how far the local clock is behind
        the server's (negative when ahead; zero without a server time or when they agree).
        """
        local = self._clock.now()
        if server_time is None:
            return local, timedelta(0)
        if timedelta(0) <= local - server_time < DATE_RESOLUTION:
            server_time = local  # the clocks agree; the local one has the finer resolution
        self._anchor = (server_time, self._clock.monotonic())
        return server_time, server_time - local
