"""Keygen's JSON:API documents, and its timestamps and TTL arithmetic, for the emulator.

Attribute names and shapes follow Keygen API version 1.7 (keygen-api's serializers), limited to
what a client of the licensing flows reads.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime, timedelta
from typing import Any

from license_guard.clock import utc
from license_guard.emulator.keygen.records import (
    LicenseRecord,
    MachineRecord,
    PolicyRecord,
    ProductRecord,
)

__all__ = [
    "entitlement_resource",
    "expiry_after",
    "license_resource",
    "machine_resource",
    "policy_resource",
    "product_resource",
    "timestamp",
]

# ActiveSupport::Duration's units, longest first: Keygen adds a TTL as calendar parts.
_YEAR, _MONTH, _WEEK, _DAY = 31556952, 2629746, 604800, 86400


def timestamp(value: datetime | None) -> str | None:
    """Keygen's form: ``2030-01-15T09:00:00.000Z`` (milliseconds, ``Z``); None stays None."""
    if value is None:
        return None
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def expiry_after(issued: datetime, ttl: int) -> datetime:
    """``issued + ActiveSupport::Duration.build(ttl)``, as Keygen computes a file's expiry.

    The seconds are split into years, months, weeks, days and a rest, and the first two are
    added as calendar units: a TTL of 31536000 s is 11 months, 4 weeks, 2 days and 4:39:54,
    not 365 days.
    """
    years, rest = divmod(ttl, _YEAR)
    months, rest = divmod(rest, _MONTH)
    return _add_months(issued, 12 * years + months) + timedelta(seconds=rest)


def _add_months(value: datetime, months: int) -> datetime:
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def _stamps(created: datetime, *, metadata: bool = True) -> dict[str, Any]:
    """The ``metadata``, ``created`` and ``updated`` attributes every resource ends with."""
    stamps: dict[str, Any] = {"metadata": {}} if metadata else {}
    return {**stamps, "created": timestamp(created), "updated": timestamp(created)}


def _relationship(type_: str, id_: str | None, link: str) -> dict[str, Any]:
    data = None if id_ is None else {"type": type_, "id": id_}
    return {"data": data, "links": {"related": link}}


def license_resource(
    record: LicenseRecord,
    policy: PolicyRecord,
    *,
    account: str,
    machines: int,
    now: datetime,
) -> dict[str, Any]:
    """A ``licenses`` resource object."""
    base = f"/v1/accounts/{account}/licenses/{record.id}"
    status = "SUSPENDED" if record.suspended else "EXPIRED" if record.expired(now) else "ACTIVE"
    return {
        "id": record.id,
        "type": "licenses",
        "attributes": {
            "name": record.name,
            "key": record.key,
            "expiry": timestamp(record.expiry),
            "status": status,
            "suspended": record.suspended,
            "scheme": policy.scheme,
            "encrypted": False,
            "strict": False,
            "floating": policy.floating,
            "protected": False,
            "maxMachines": policy.max_machines,
            "requireHeartbeat": policy.require_heartbeat,
            **_stamps(record.created),
        },
        "relationships": {
            "account": _relationship("accounts", account, f"/v1/accounts/{account}"),
            "product": _relationship("products", policy.product_id, f"{base}/product"),
            "policy": _relationship("policies", policy.id, f"{base}/policy"),
            "machines": {"links": {"related": f"{base}/machines"}, "meta": {"count": machines}},
            "entitlements": {"links": {"related": f"{base}/entitlements"}},
        },
        "links": {"self": base},
    }


def machine_resource(
    record: MachineRecord, policy: PolicyRecord, *, account: str, now: datetime
) -> dict[str, Any]:
    """A ``machines`` resource object, with its heartbeat state at *now*."""
    base = f"/v1/accounts/{account}/machines/{record.id}"
    duration = int(policy.heartbeat_duration.total_seconds())
    next_heartbeat = (
        None if record.last_heartbeat is None else record.last_heartbeat + policy.heartbeat_duration
    )
    return {
        "id": record.id,
        "type": "machines",
        "attributes": {
            "fingerprint": record.fingerprint,
            "name": record.name,
            "hostname": record.hostname,
            "platform": record.platform,
            "requireHeartbeat": policy.require_heartbeat,
            "heartbeatStatus": record.heartbeat_status(policy, now).value,
            "heartbeatDuration": duration,
            "lastHeartbeat": timestamp(record.last_heartbeat),
            "nextHeartbeat": timestamp(next_heartbeat),
            "lastCheckOut": timestamp(record.last_check_out),
            **_stamps(record.created),
        },
        "relationships": {
            "account": _relationship("accounts", account, f"/v1/accounts/{account}"),
            "product": _relationship("products", policy.product_id, f"{base}/product"),
            "license": _relationship("licenses", record.license_id, f"{base}/license"),
        },
        "links": {"self": base},
    }


def policy_resource(policy: PolicyRecord, *, account: str) -> dict[str, Any]:
    """A ``policies`` resource object."""
    return {
        "id": policy.id,
        "type": "policies",
        "attributes": {
            "name": policy.name,
            "floating": policy.floating,
            "strict": False,
            "scheme": policy.scheme,
            "maxMachines": policy.max_machines,
            "requireHeartbeat": policy.require_heartbeat,
            "heartbeatDuration": int(policy.heartbeat_duration.total_seconds()),
            "expirationStrategy": policy.expiration_strategy.value,
            "authenticationStrategy": "LICENSE",
            **_stamps(policy.created, metadata=False),
        },
        "relationships": {
            "product": _relationship(
                "products", policy.product_id, f"/v1/accounts/{account}/products"
            ),
        },
        "links": {"self": f"/v1/accounts/{account}/policies/{policy.id}"},
    }


def entitlement_resource(code: str, product: ProductRecord, *, account: str) -> dict[str, Any]:
    """An ``entitlements`` resource object; its id is a UUID fixed by the product and code."""
    ident = str(uuid.uuid5(uuid.UUID(product.id), code))
    return {
        "id": ident,
        "type": "entitlements",
        "attributes": {
            "name": code.replace("-", " ").replace("_", " ").title(),
            "code": code,
            **_stamps(product.created),
        },
        "links": {"self": f"/v1/accounts/{account}/entitlements/{ident}"},
    }


def product_resource(product: ProductRecord, *, account: str) -> dict[str, Any]:
    """A ``products`` resource object."""
    return {
        "id": product.id,
        "type": "products",
        "attributes": {
            "name": product.name,
            "distributionStrategy": "LICENSED",
            **_stamps(product.created),
        },
        "links": {"self": f"/v1/accounts/{account}/products/{product.id}"},
    }
