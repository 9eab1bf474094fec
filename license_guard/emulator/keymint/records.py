"""The emulator's stored things, as frozen values.

Reprs never show an access token or a license key in full (the project's rule for secrets), so a
record can be printed in a failing test or a log line safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from license_guard._redact import redact

__all__ = [
    "AccessToken",
    "Customer",
    "Device",
    "Floating",
    "LicenseKey",
    "Product",
    "Seed",
    "Session",
]


@dataclass(frozen=True)
class Product:
    """A licensed product. An inactive product answers as if it did not exist."""

    id: str
    name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, repr=False)
class AccessToken:
    """A bearer token: scoped to one product, or global when ``product_id`` is None.

    An ``admin`` token is global and may also call what needs admin scope (``/key/sign``).
    """

    token: str
    product_id: str | None
    created_at: datetime
    admin: bool = False

    def allows(self, product_id: str) -> bool:
        """Whether this token may act on *product_id*."""
        return self.product_id is None or self.product_id == product_id

    def __repr__(self) -> str:
        scope = "admin" if self.admin else f"product_id={self.product_id!r}"
        return f"AccessToken({redact(self.token)}, {scope})"


@dataclass(frozen=True)
class Customer:
    """Who owns keys. An inactive customer's keys cannot be activated."""

    id: str
    name: str
    email: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Floating:
    """The seat rules of a floating key: how many sessions at once, and their timing (seconds)."""

    max_sessions: int
    heartbeat_interval: int
    lease_duration: int


@dataclass(frozen=True, repr=False)
class LicenseKey:
    """A license key of one product; ``usage_limit`` and ``expires_at`` None mean unlimited.

    ``floating`` None is a node-locked key. ``metadata``, ``version_id`` and ``allowed_hosts``
    are stored and shown by generation 2, never enforced.
    """

    id: str
    key: str
    product_id: str
    customer_id: str | None
    usage_limit: int | None
    expires_at: datetime | None
    blocked: bool
    created_at: datetime
    floating: Floating | None = None
    metadata: dict[str, Any] | None = None
    version_id: str | None = None
    allowed_hosts: tuple[str, ...] | None = None

    @property
    def license_type(self) -> str:
        """``"floating"`` or ``"node-locked"``, as generation 2 names them."""
        return "node-locked" if self.floating is None else "floating"

    def __repr__(self) -> str:
        return f"LicenseKey({self.id}, {redact(self.key)}, product_id={self.product_id!r})"


@dataclass(frozen=True)
class Device:
    """One activation of a key: the slot a ``hostId`` holds."""

    host_id: str
    device_tag: str | None
    ip_address: str
    activated_at: datetime


@dataclass(frozen=True, repr=False)
class Seed:
    """What :meth:`Emulator.seed` made: enough to point a client at the emulator at once.

    ``access_token`` is scoped to ``product_id``; ``license_key`` belongs to ``customer_id``.
    """

    product_id: str
    access_token: str
    license_key: str
    customer_id: str

    def __repr__(self) -> str:
        return (
            f"Seed(product_id={self.product_id!r}, access_token={redact(self.access_token)}, "
            f"license_key={redact(self.license_key)}, customer_id={self.customer_id!r})"
        )


@dataclass(frozen=True, repr=False)
class Session:
    """A floating seat held by one host until ``expires_at`` (the lease), or until check-in.

    ``nonce`` is the one the next heartbeat or check-in must sign; ``secret`` keys the signature.
    """

    id: str
    license_id: str
    host_id: str
    device_tag: str | None
    user_identifier: str | None
    secret: str
    nonce: str
    expires_at: datetime
    created_at: datetime

    def __repr__(self) -> str:
        return f"Session({self.id}, host_id={self.host_id!r}, expires_at={self.expires_at})"
