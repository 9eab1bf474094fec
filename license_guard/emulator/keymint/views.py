"""Generation-2 JSON views (camelCase) of keys, devices and customers."""

from __future__ import annotations

from typing import Any

from license_guard.emulator.dates import iso_ms_z
from license_guard.emulator.keymint.records import Customer, Device, LicenseKey
from license_guard.emulator.keymint.service import KeyDetails, customer_summary

__all__ = ["customer_view", "key_data", "key_view", "license_expiry"]


def license_expiry(key: LicenseKey) -> str | None:
    """``expirationDate``: ``2027-03-01T00:00:00.000Z``, or None for a key that never expires."""
    return None if key.expires_at is None else iso_ms_z(key.expires_at)


def key_view(key: LicenseKey, devices: list[Device]) -> dict[str, Any]:
    """A key as ``/customer/keys`` lists it (get-key adds ``devices``).

    ``maxActivations`` is null for an unlimited key (the emulator's choice: generation 2 does not
    say). The floating fields are null for a node-locked key.
    """
    floating = key.floating
    return {
        "id": key.id,
        "key": key.key,
        "productId": key.product_id,
        "maxActivations": key.usage_limit,
        "activations": len(devices),
        "activated": bool(devices),
        "expirationDate": license_expiry(key),
        "blocked": key.blocked,
        "licenseType": key.license_type,
        "maxConcurrentSessions": None if floating is None else floating.max_sessions,
        "heartbeatInterval": None if floating is None else floating.heartbeat_interval,
        "sessionLeaseDuration": None if floating is None else floating.lease_duration,
        "versionId": key.version_id,
        "metadata": key.metadata,
        "allowedHosts": None if key.allowed_hosts is None else list(key.allowed_hosts),
    }


def customer_view(customer: Customer) -> dict[str, Any]:
    """``{id, name, email, active, createdAt}``."""
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "active": customer.active,
        "createdAt": iso_ms_z(customer.created_at),
    }


def key_data(details: KeyDetails) -> dict[str, Any]:
    """The ``data`` of ``GET /key``: ``license`` (with ``devices`` and ``version``) and
    ``customer`` (``{id, name, email, active}``, or null)."""
    license_data = key_view(details.key, details.devices)
    license_data["devices"] = [
        {
            "hostId": device.host_id,
            "deviceTag": device.device_tag,
            "ipAddress": device.ip_address,
            "activationTime": iso_ms_z(device.activated_at),
        }
        for device in details.devices
    ]
    license_data["version"] = None
    return {"license": license_data, "customer": customer_summary(details.customer)}
