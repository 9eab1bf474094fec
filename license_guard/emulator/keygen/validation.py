"""License validation as the emulator decides it: the first failing check wins.

The order is keygen-api.md section 3's (license_validation_service.rb) for the scopes a
licensing client sends, product and fingerprint; every policy is non-strict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from license_guard.emulator.keygen.records import (
    ExpirationStrategy,
    HeartbeatStatus,
    LicenseRecord,
    MachineRecord,
    PolicyRecord,
)

__all__ = ["DETAILS", "validation_code"]

#: The codes the emulator answers, with Keygen's exact ``detail`` strings.
DETAILS: Mapping[str, str] = {
    "NOT_FOUND": "does not exist",
    "SUSPENDED": "is suspended",
    "EXPIRED": "is expired",
    "PRODUCT_SCOPE_MISMATCH": "product scope does not match",
    "FINGERPRINT_SCOPE_EMPTY": "fingerprint scope is empty",
    "NO_MACHINE": "fingerprint is not activated (has no associated machine)",
    "NO_MACHINES": "fingerprint is not activated (has no associated machines)",
    "FINGERPRINT_SCOPE_MISMATCH": (
        "fingerprint is not activated (does not match any associated machines)"
    ),
    "HEARTBEAT_DEAD": "machine heartbeat is dead",
    "HEARTBEAT_NOT_STARTED": "machine heartbeat is required",
    "VALID": "is valid",
}

_ACCESS_AFTER_EXPIRY = (ExpirationStrategy.ALLOW_ACCESS, ExpirationStrategy.MAINTAIN_ACCESS)


def validation_code(
    record: LicenseRecord | None,
    policy: PolicyRecord | None,
    machines: Sequence[MachineRecord],
    scope: Mapping[str, Any],
    now: datetime,
) -> tuple[str, bool]:
    """The code and ``valid`` flag for *record* (None: no license has the key) of *policy*,
    with its *machines*, validated with *scope* at *now*."""
    if record is None or policy is None:
        return "NOT_FOUND", False
    expired = record.expired(now)
    strategy = policy.expiration_strategy
    early = (
        (record.suspended, "SUSPENDED"),
        (expired and strategy is ExpirationStrategy.REVOKE_ACCESS, "EXPIRED"),
        ("product" in scope and scope["product"] != policy.product_id, "PRODUCT_SCOPE_MISMATCH"),
    )
    for failed, code in early:
        if failed:
            return code, False
    machine_code = None
    if "fingerprint" in scope:
        machine_code = _fingerprint_code(policy, machines, scope["fingerprint"], now)
    if machine_code is not None:
        return machine_code, False
    if expired:
        return "EXPIRED", strategy in _ACCESS_AFTER_EXPIRY
    return "VALID", True


def _fingerprint_code(
    policy: PolicyRecord, machines: Sequence[MachineRecord], fingerprint: object, now: datetime
) -> str | None:
    if not isinstance(fingerprint, str) or not fingerprint:
        return "FINGERPRINT_SCOPE_EMPTY"
    if not machines:
        return "NO_MACHINES" if policy.floating else "NO_MACHINE"
    machine = next((m for m in machines if m.fingerprint == fingerprint), None)
    if machine is None:
        return "FINGERPRINT_SCOPE_MISMATCH"
    status = machine.heartbeat_status(policy, now)
    if status is HeartbeatStatus.DEAD:
        return "HEARTBEAT_DEAD"
    if policy.require_heartbeat and status is HeartbeatStatus.NOT_STARTED:
        return "HEARTBEAT_NOT_STARTED"
    return None
