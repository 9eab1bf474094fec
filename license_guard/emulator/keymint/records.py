"""The emulator's stored things, as frozen values.

Reprs never show an access token or a license key in full (the project's rule for secrets), so a
record can be printed in a failing test or a log line safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from license_guard._redact import redact

__all__ = ["AccessToken", "Customer", "Device", "LicenseKey", "Product", "Seed"]


@dataclass(frozen=True)
class Product:
    """A licensed product. An inactive product answers as if it did not exist."""

    id: str
    name: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, repr=False)
class AccessToken:
    """A bearer token: scoped to one product, or global when ``product_id`` is None."""

    token: str
    product_id: str | None
    created_at: datetime

    def allows(self, product_id: str) -> bool:
        """Whether this token may act on *product_id*."""
        return self.product_id is None or self.product_id == product_id

    def __repr__(self) -> str:
        return f"AccessToken({redact(self.token)}, product_id={self.product_id!r})"


@dataclass(frozen=True)
class Customer:
    """Who owns keys. An inactive customer's keys cannot be activated."""

    id: str
    name: str
    email: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True, repr=False)
class LicenseKey:
    """A license key of one product; ``usage_limit`` and ``expires_at`` None mean unlimited."""

    id: str
    key: str
    product_id: str
    customer_id: str | None
    usage_limit: int | None
    expires_at: datetime | None
    blocked: bool
    created_at: datetime

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
