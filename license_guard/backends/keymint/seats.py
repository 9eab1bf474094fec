"""Floating seats (generation 2): a seat checked out, kept by heartbeats, checked back in.

A floating license limits how many computers run the app *at once*. ``/key/checkout`` takes a
seat until ``expiresAt`` and answers a session: its id, a secret, and the first nonce. Each
heartbeat (``/key/heartbeat``) and the check-in (``/key/checkin``) sends back the latest nonce
as ``timestamp`` and signs it: lowercase hex HMAC-SHA256 keyed by the UTF-8 of the session
secret, over ``sessionId:nonce`` (the rule of all four Keymint SDKs). A heartbeat extends the
seat and answers the next nonce; each nonce is used once, so a refused heartbeat is a lost seat,
never retried with the same nonce.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from license_guard import crypto
from license_guard._record import Record, field, replace
from license_guard.backends.keymint.answers import SeatCheckout, SeatRenewal
from license_guard.errors import FloatingSeatsTakenError, SeatLostError

__all__ = ["Seat", "seat_lost", "seats_taken", "session_signature"]


def session_signature(session_id: str, nonce: str, session_secret: str) -> str:
    """The ``signature`` of a heartbeat or check-in: 64 lowercase hex characters."""
    digest = crypto.hmac_sha256(session_secret.encode("utf-8"), f"{session_id}:{nonce}".encode())
    return digest.hex()


def seat_lost(server_message: str | None) -> SeatLostError:
    """This computer's seat is gone (lapsed, checked in, or its heartbeat refused)."""
    return SeatLostError(
        "This computer's seat of the license has ended: the licensing server no longer "
        "holds it. Start the app again to take a seat.",
        server_message=server_message,
    )


def seats_taken(seats: int | None, server_message: str | None) -> FloatingSeatsTakenError:
    """Every seat is in use: the message names the count when it is known."""
    count = f"All {seats} seats" if seats else "Every seat"
    return FloatingSeatsTakenError(
        f"{count} of this license are in use on other computers. Close the app on one "
        "of them, or try again later: a computer that stopped without closing the app "
        "gives its seat back when its lease runs out.",
        max_sessions=seats,
        server_message=server_message,
    )


class Seat(Record, kw_only=True):
    """A floating seat this computer holds. The secret and nonce never appear in a repr.

    Attributes:
        session_id: the server's session id.
        expires_at: when the seat lapses without a heartbeat.
        heartbeat_every: how often the server wants a heartbeat.
        current_sessions: the seats in use (this one included) when it was taken, when the
            server said; heartbeats do not update it.
        max_sessions: the license's seats, when the server said.
    """

    license_key: str = field(repr=False)
    host_id: str
    session_id: str
    session_secret: str = field(repr=False)
    nonce: str = field(repr=False)
    expires_at: datetime
    heartbeat_every: timedelta
    current_sessions: int | None = None
    max_sessions: int | None = None

    @classmethod
    def taken(cls, license_key: str, host_id: str, checkout: SeatCheckout) -> Seat:
        """The seat a checkout answer gave."""
        return cls(
            license_key=license_key,
            host_id=host_id,
            session_id=checkout.session_id,
            session_secret=checkout.session_secret,
            nonce=checkout.next_nonce,
            expires_at=checkout.expires_at,
            heartbeat_every=timedelta(seconds=checkout.heartbeat_interval),
            current_sessions=checkout.current_sessions,
            max_sessions=checkout.max_sessions,
        )

    def renewed(self, renewal: SeatRenewal) -> Seat:
        """This seat after a heartbeat: a later end, the next nonce."""
        return replace(self, expires_at=renewal.expires_at, nonce=renewal.next_nonce)

    def signed(self) -> dict[str, str]:
        """The session fields of a heartbeat or check-in, signed with the current nonce."""
        return {
            "sessionId": self.session_id,
            "timestamp": self.nonce,
            "signature": session_signature(self.session_id, self.nonce, self.session_secret),
        }
