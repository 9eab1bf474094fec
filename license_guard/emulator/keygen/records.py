"""The Keygen emulator's stored things, as frozen values (reprs never show a license key)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from license_guard._redact import redact

__all__ = [
    "ExpirationStrategy",
    "HeartbeatStatus",
    "KeygenSeed",
    "LicenseRecord",
    "MachineRecord",
    "MachineUniqueness",
    "PolicyRecord",
    "ProductRecord",
]

#: Keygen's ``HEARTBEAT_TTL``: a policy without its own heartbeat duration uses this one.
DEFAULT_HEARTBEAT_DURATION = timedelta(minutes=10)


class MachineUniqueness(str, enum.Enum):
    """Where a machine fingerprint must be unique (the policy's ``machineUniquenessStrategy``).

    A second machine with a taken fingerprint is refused with 422 ``FINGERPRINT_TAKEN``, whose
    detail names the scope: "has already been taken" for a license, else "has already been
    taken for this account" (or product, or policy); the holder may then be another license.
    """

    UNIQUE_PER_LICENSE = "UNIQUE_PER_LICENSE"
    UNIQUE_PER_POLICY = "UNIQUE_PER_POLICY"
    UNIQUE_PER_PRODUCT = "UNIQUE_PER_PRODUCT"
    UNIQUE_PER_ACCOUNT = "UNIQUE_PER_ACCOUNT"


class ExpirationStrategy(str, enum.Enum):
    """What an expired license may still do (the policy's ``expirationStrategy``)."""

    RESTRICT_ACCESS = "RESTRICT_ACCESS"
    """Validation answers ``valid: false``, code EXPIRED; no new machine may be activated."""
    REVOKE_ACCESS = "REVOKE_ACCESS"
    """EXPIRED is decided first, and license-key authentication is refused (403)."""
    MAINTAIN_ACCESS = "MAINTAIN_ACCESS"
    """Validation answers ``valid: true`` with code EXPIRED; no new machine may be activated."""
    ALLOW_ACCESS = "ALLOW_ACCESS"
    """Validation answers ``valid: true`` with code EXPIRED; new machines may be activated."""


class HeartbeatStatus(str, enum.Enum):
    """A machine's ``heartbeatStatus``."""

    NOT_STARTED = "NOT_STARTED"
    ALIVE = "ALIVE"
    DEAD = "DEAD"


@dataclass(frozen=True)
class ProductRecord:
    """A product of the account."""

    id: str
    name: str
    created: datetime


@dataclass(frozen=True)
class PolicyRecord:
    """The rules shared by the licenses of one policy.

    ``max_machines`` None is unlimited; a policy is *floating* when it allows more than one
    machine (its "no machine" code is then NO_MACHINES rather than NO_MACHINE).
    """

    id: str
    product_id: str
    name: str
    max_machines: int | None
    entitlements: tuple[str, ...]
    require_heartbeat: bool
    heartbeat_duration: timedelta
    expiration_strategy: ExpirationStrategy
    scheme: str | None
    created: datetime
    machine_uniqueness: MachineUniqueness = MachineUniqueness.UNIQUE_PER_LICENSE

    @property
    def floating(self) -> bool:
        """Whether a license of this policy may have more than one machine."""
        return self.max_machines is None or self.max_machines > 1


@dataclass(frozen=True, repr=False)
class LicenseRecord:
    """One license: its id, key, policy, expiry (None: never) and suspension."""

    id: str
    key: str
    policy_id: str
    name: str | None
    expiry: datetime | None
    suspended: bool
    created: datetime

    def expired(self, now: datetime) -> bool:
        """Whether the license's expiry has passed at *now*."""
        return self.expiry is not None and now >= self.expiry

    def __repr__(self) -> str:
        return f"LicenseRecord({self.id}, key={redact(self.key)}, policy={self.policy_id})"


@dataclass(frozen=True)
class MachineRecord:
    """One activated device of a license."""

    id: str
    license_id: str
    fingerprint: str
    name: str | None
    hostname: str | None
    platform: str | None
    created: datetime
    last_heartbeat: datetime | None = None
    last_check_out: datetime | None = None

    def heartbeat_status(self, policy: PolicyRecord, now: datetime) -> HeartbeatStatus:
        """NOT_STARTED (never pinged, and not required or created within the duration), ALIVE
        (pinged within the duration) or DEAD."""
        duration = policy.heartbeat_duration
        if self.last_heartbeat is None:
            if not policy.require_heartbeat or now <= self.created + duration:
                return HeartbeatStatus.NOT_STARTED
            return HeartbeatStatus.DEAD
        if now <= self.last_heartbeat + duration:
            return HeartbeatStatus.ALIVE
        return HeartbeatStatus.DEAD


@dataclass(frozen=True)
class KeygenSeed:
    """What :meth:`~license_guard.emulator.keygen.KeygenEmulator.seed` made: everything a
    :class:`~license_guard.backends.keygen.KeygenBackend` needs, and the license to activate."""

    account_id: str
    public_key: str
    product_id: str
    policy_id: str
    license_id: str
    license_key: str = field(repr=False)
