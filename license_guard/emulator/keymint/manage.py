"""Generation 2's rules for changing keys: update, delete, and signing offline licenses.

Like :class:`~license_guard.emulator.keymint.service.KeymintService`, each method runs its checks
and its write in one store transaction and raises :class:`KeymintError` with the refusal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from license_guard.clock import Clock
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.records import Customer, Floating, LicenseKey
from license_guard.emulator.keymint.service import KeymintService, Message, NewCustomer
from license_guard.emulator.keymint.store import Store

if TYPE_CHECKING:
    from license_guard.backends.keymint.signing import SigningKey

__all__ = [
    "DEFAULT_SIGN_TTL",
    "MIN_HEARTBEAT_INTERVAL",
    "MIN_LEASE_DURATION",
    "KeyChanges",
    "KeyManagement",
    "floating_terms",
]

#: The shortest heartbeat interval and seat lease (seconds) the vendor's SDK comments allow.
MIN_HEARTBEAT_INTERVAL = 60
MIN_LEASE_DURATION = 300
#: How long a signed offline license lasts without ``ttl`` (the emulator's choice): 30 days.
DEFAULT_SIGN_TTL = 30 * 24 * 3600

_SIGNING_KEY_SETTING = "offline_signing_key"


def _bad(message: str) -> KeymintError:
    return KeymintError(int(HTTPStatus.BAD_REQUEST), Code.REQUEST, message)


def floating_terms(
    license_type: str | None,
    *,
    max_sessions: int | None,
    heartbeat_interval: int | None,
    lease_duration: int | None,
    current: Floating | None,
) -> Floating | None:
    """The floating terms a create or update leaves a key with (*current*: what it has now).

    ``licenseType`` "node-locked" drops them; "floating", or floating fields on a floating key,
    sets them, the interval defaulting to 60 s and the lease to 300 s. Raises 400/1 for floating
    fields on a node-locked key, a floating key without ``maxConcurrentSessions``, or a lease
    shorter than the heartbeat interval.
    """
    given = (max_sessions, heartbeat_interval, lease_duration) != (None, None, None)
    if license_type == "node-locked" or (license_type is None and current is None):
        if given and license_type is None:
            raise _bad('Invalid params: floating fields need licenseType "floating"')
        return None
    base = current or Floating(0, MIN_HEARTBEAT_INTERVAL, MIN_LEASE_DURATION)
    terms = Floating(
        max_sessions or base.max_sessions,
        heartbeat_interval or base.heartbeat_interval,
        lease_duration or base.lease_duration,
    )
    if terms.max_sessions < 1:
        raise _bad("Invalid params: a floating license needs maxConcurrentSessions")
    if terms.lease_duration < terms.heartbeat_interval:
        raise _bad("Invalid params: sessionLeaseDuration is shorter than heartbeatInterval")
    return terms


@dataclass(frozen=True)
class KeyChanges:
    """What ``PATCH /key`` asks to change; None leaves a field as it is."""

    usage_limit: int | None = None
    expires_at: datetime | None = None
    customer_id: str | None = None
    new_customer: NewCustomer | None = None
    metadata: dict[str, Any] | None = None
    version_id: str | None = None
    allowed_hosts: tuple[str, ...] | None = None
    license_type: str | None = None
    max_sessions: int | None = None
    heartbeat_interval: int | None = None
    lease_duration: int | None = None


class KeyManagement:
    """Update, delete and sign keys, on the store and rules of *service*."""

    def __init__(self, store: Store, clock: Clock, service: KeymintService) -> None:
        self._store = store
        self._clock = clock
        self._service = service
        self._signing_key: SigningKey | None = None

    def update_key(self, product_id: str, license_key: str, changes: KeyChanges) -> int:
        """Apply *changes*; returns the number of keys changed (1).

        Raises :class:`KeymintError`: 404/1 product or key, 404/2 unknown customer, 409/2 taken
        e-mail of a new customer, 400/1 floating terms that do not fit (:func:`floating_terms`).
        Lowering the seat limit below the activations keeps the devices already active.
        """
        with self._store.transaction() as tx:
            key = self._service.key_in(tx, product_id, license_key)
            customer_id = key.customer_id
            if changes.new_customer is not None:
                customer_id = self._service.add_customer_in(tx, changes.new_customer)
            elif changes.customer_id is not None:
                if tx.customer(changes.customer_id) is None:
                    raise KeymintError(
                        int(HTTPStatus.NOT_FOUND),
                        Code.LICENSE,
                        f"Customer with ID {changes.customer_id} not found",
                    )
                customer_id = changes.customer_id
            floating = floating_terms(
                changes.license_type,
                max_sessions=changes.max_sessions,
                heartbeat_interval=changes.heartbeat_interval,
                lease_duration=changes.lease_duration,
                current=key.floating,
            )
            if floating is None:
                tx.execute("DELETE FROM sessions WHERE license_id = ?", (key.id,))
            tx.update_key(
                dataclasses.replace(
                    key,
                    customer_id=customer_id,
                    usage_limit=_or(changes.usage_limit, key.usage_limit),
                    expires_at=_or(changes.expires_at, key.expires_at),
                    floating=floating,
                    metadata=_or(changes.metadata, key.metadata),
                    version_id=_or(changes.version_id, key.version_id),
                    allowed_hosts=_or(changes.allowed_hosts, key.allowed_hosts),
                )
            )
        return 1

    def delete_key(self, product_id: str, license_key: str) -> None:
        """Delete the key, its devices and its floating sessions. 404/1 for an unknown one."""
        with self._store.transaction() as tx:
            key = self._service.key_in(tx, product_id, license_key)
            tx.delete_key(key.id)

    def signing_key(self) -> SigningKey:
        """The organization's Ed25519 key: made on first use, kept in the database."""
        # Here, not at the top: importing the emulator must not load the client package.
        from license_guard.backends.keymint.signing import SigningKey

        if self._signing_key is None:
            with self._store.transaction() as tx:
                stored = tx.setting(_SIGNING_KEY_SETTING)
                if stored is None:
                    key = SigningKey.generate()
                    tx.set_setting(_SIGNING_KEY_SETTING, key.private_bytes.hex())
                else:
                    key = SigningKey(bytes.fromhex(stored))
            self._signing_key = key
        return self._signing_key

    def sign(self, product_id: str, license_key: str, host_id: str, ttl: int | None) -> str:
        """The ``.lic`` text for *host_id*, valid *ttl* seconds (default 30 days) but never past
        the key's own expiry. Takes no seat.

        Raises :class:`KeymintError`: 404/1 product or key; 403/2 blocked, expired (or 404/1 when
        expired keys answer as unknown), customer inactive.
        """
        signer = self.signing_key()
        with self._store.transaction() as tx:
            key = self._service.key_in(tx, product_id, license_key)
            self._check_usable(tx.customer(key.customer_id) if key.customer_id else None, key)
        now = self._clock.now()
        expires_at = now + timedelta(seconds=DEFAULT_SIGN_TTL if ttl is None else ttl)
        if key.expires_at is not None:
            expires_at = min(expires_at, key.expires_at)
        return signer.sign(
            product_id=product_id,
            machine_code=host_id,
            license_key=key.key,
            expires_at=expires_at,
            issued_at=now,
        )

    def _check_usable(self, customer: Customer | None, key: LicenseKey) -> None:
        if key.blocked:
            raise KeymintError(int(HTTPStatus.FORBIDDEN), Code.LICENSE, Message.BLOCKED)
        self._service.check_not_expired(key)
        if customer is not None and not customer.active:
            raise KeymintError(int(HTTPStatus.FORBIDDEN), Code.LICENSE, Message.CUSTOMER_INACTIVE)


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value
