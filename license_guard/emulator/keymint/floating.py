"""Floating seats: check-out, heartbeat and check-in of sessions on a floating key.

The rules (keymint-api-v2.md, "Floating seats"; refusals marked there as the emulator's own):

* a checkout takes a seat for ``hostId`` until ``expiresAt`` = now + the key's lease; a host that
  already holds a live session gets a new session in the same seat (its old one ends);
* when every seat is held by a live session of another host: 403/2, naming the count;
* heartbeat and check-in name the session and sign ``sessionId:nonce`` with HMAC-SHA256 keyed by
  the UTF-8 of ``sessionSecret``, ``nonce`` being the ``nextNonce`` of the previous answer; each
  nonce serves once. An unknown, checked-in or lapsed session: 404/1. A nonce that is not the
  current one, or a wrong signature: 401/1, and the session stays as it was;
* a heartbeat extends the lease and rotates the nonce; a check-in frees the seat;
* a session whose lease lapsed (on the emulator's clock) holds no seat and is forgotten.

HMAC comes from the standard library: the emulator imports no third-party module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from license_guard.clock import Clock, utc
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.records import Customer, LicenseKey, Session
from license_guard.emulator.keymint.service import KeymintService, Message
from license_guard.emulator.keymint.store import Store, Transaction

__all__ = ["Checkout", "FloatingSeats", "session_signature"]


def session_signature(session_id: str, nonce: str, session_secret: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``session_id:nonce`` keyed by the UTF-8 of the secret."""
    message = f"{session_id}:{nonce}".encode()
    return hmac.new(session_secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, repr=False)
class Checkout:
    """A new session, what the checkout answer reports, and the key it was taken on."""

    session: Session
    key: LicenseKey
    customer: Customer | None
    current_sessions: int


def _refuse(status: HTTPStatus, code: Code, message: str) -> KeymintError:
    return KeymintError(int(status), code, message)


_SESSION_GONE = "Session not found or expired"
_BAD_NONCE = "Invalid or already used nonce"
_BAD_SIGNATURE = "Invalid session signature"


class FloatingSeats:
    """Sessions on floating keys, in the emulator's store, timed by its clock."""

    def __init__(self, store: Store, clock: Clock, service: KeymintService) -> None:
        self._store = store
        self._clock = clock
        self._service = service

    def checkout(
        self,
        product_id: str,
        license_key: str,
        *,
        host_id: str,
        device_tag: str | None = None,
        user_identifier: str | None = None,
    ) -> Checkout:
        """Take a seat for *host_id*.

        Raises :class:`KeymintError`: 404/1 product or key; 403/2 not a floating key, blocked,
        expired (404/1 when expired keys answer as unknown), customer inactive, every seat taken.
        """
        now = utc(self._clock.now())
        with self._store.transaction() as tx:
            key = self._service.key_in(tx, product_id, license_key)
            if key.floating is None:
                raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, "Not a floating license")
            customer = self._usable(tx, key)
            _forget_lapsed(tx, now)
            tx.execute(
                "DELETE FROM sessions WHERE license_id = ? AND host_id = ?", (key.id, host_id)
            )
            held = _count(tx, key.id)
            seats = key.floating.max_sessions
            if held >= seats:
                raise _refuse(
                    HTTPStatus.FORBIDDEN,
                    Code.LICENSE,
                    f"Maximum concurrent sessions reached: all {seats} seats are in use",
                )
            session = Session(
                id=secrets.token_urlsafe(16),  # 22 characters, as the SDKs document
                license_id=key.id,
                host_id=host_id,
                device_tag=device_tag,
                user_identifier=user_identifier,
                secret=secrets.token_hex(32),
                nonce=secrets.token_urlsafe(18),
                expires_at=now + timedelta(seconds=key.floating.lease_duration),
                created_at=now,
            )
            tx.execute(
                "INSERT INTO sessions (id, license_id, host_id, device_tag, user_identifier,"
                " secret, nonce, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.id,
                    session.license_id,
                    session.host_id,
                    session.device_tag,
                    session.user_identifier,
                    session.secret,
                    session.nonce,
                    session.expires_at.isoformat(),
                    session.created_at.isoformat(),
                ),
            )
        return Checkout(session, key, customer, held + 1)

    def heartbeat(
        self, product_id: str, license_key: str, session_id: str, nonce: str, signature: str
    ) -> Session:
        """Extend the session's lease and rotate its nonce; returns the session as it is now.

        Raises :class:`KeymintError`: 404/1 product, key, or session (unknown, checked in or
        lapsed); 401/1 nonce or signature; 403/2 when the key was blocked or expired meanwhile
        (the session ends then).
        """
        now = utc(self._clock.now())
        with self._store.transaction() as tx:
            key, session = self._signed_session(tx, product_id, license_key, session_id)
            _check_signature(session, nonce, signature)
            try:
                self._usable(tx, key)
            except KeymintError:
                tx.execute("DELETE FROM sessions WHERE id = ?", (session.id,))
                raise
            lease = key.floating.lease_duration if key.floating else 0
            expires_at = now + timedelta(seconds=lease)
            next_nonce = secrets.token_urlsafe(18)
            tx.execute(
                "UPDATE sessions SET nonce = ?, expires_at = ? WHERE id = ?",
                (next_nonce, expires_at.isoformat(), session.id),
            )
        return dataclasses.replace(session, nonce=next_nonce, expires_at=expires_at)

    def checkin(
        self, product_id: str, license_key: str, session_id: str, nonce: str, signature: str
    ) -> None:
        """End the session and free its seat. Refusals as :meth:`heartbeat`, but a checkin on a
        blocked or expired key still succeeds."""
        with self._store.transaction() as tx:
            _, session = self._signed_session(tx, product_id, license_key, session_id)
            _check_signature(session, nonce, signature)
            tx.execute("DELETE FROM sessions WHERE id = ?", (session.id,))

    def sessions(self, product_id: str, license_key: str) -> list[Session]:
        """The live sessions of a key, oldest first (for tests and the Python API)."""
        with self._store.transaction() as tx:
            key = self._service.key_in(tx, product_id, license_key)
            _forget_lapsed(tx, utc(self._clock.now()))
            rows = tx.execute(
                "SELECT * FROM sessions WHERE license_id = ? ORDER BY created_at, rowid",
                (key.id,),
            ).fetchall()
        return [_session(row) for row in rows]

    def _signed_session(
        self, tx: Transaction, product_id: str, license_key: str, session_id: str
    ) -> tuple[LicenseKey, Session]:
        key = self._service.key_in(tx, product_id, license_key)
        _forget_lapsed(tx, utc(self._clock.now()))
        row = tx.execute(
            "SELECT * FROM sessions WHERE id = ? AND license_id = ?", (session_id, key.id)
        ).fetchone()
        if row is None:
            raise _refuse(HTTPStatus.NOT_FOUND, Code.REQUEST, _SESSION_GONE)
        return key, _session(row)

    def _usable(self, tx: Transaction, key: LicenseKey) -> Customer | None:
        if key.blocked:
            raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.BLOCKED)
        self._service.check_not_expired(key)
        customer = None if key.customer_id is None else tx.customer(key.customer_id)
        if customer is not None and not customer.active:
            raise _refuse(HTTPStatus.FORBIDDEN, Code.LICENSE, Message.CUSTOMER_INACTIVE)
        return customer


def _check_signature(session: Session, nonce: str, signature: str) -> None:
    if not hmac.compare_digest(nonce.encode(), session.nonce.encode()):
        raise _refuse(HTTPStatus.UNAUTHORIZED, Code.REQUEST, _BAD_NONCE)
    expected = session_signature(session.id, session.nonce, session.secret)
    if not hmac.compare_digest(signature.lower().encode(), expected.encode()):
        raise _refuse(HTTPStatus.UNAUTHORIZED, Code.REQUEST, _BAD_SIGNATURE)


def _forget_lapsed(tx: Transaction, now: datetime) -> None:
    # ISO texts of aware UTC datetimes compare in time order, so SQLite can compare them as text.
    tx.execute("DELETE FROM sessions WHERE expires_at <= ?", (now.isoformat(),))


def _count(tx: Transaction, license_id: str) -> int:
    row = tx.execute("SELECT COUNT(*) FROM sessions WHERE license_id = ?", (license_id,))
    return int(row.fetchone()[0])


def _session(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        license_id=row["license_id"],
        host_id=row["host_id"],
        device_tag=row["device_tag"],
        user_identifier=row["user_identifier"],
        secret=row["secret"],
        nonce=row["nonce"],
        expires_at=datetime.fromisoformat(row["expires_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )
