"""What the admin client sends and reads: new customers, and a key as get-key shows it.

Every value is a frozen dataclass with aware UTC datetimes. :func:`parse_key_details` reads the
``data`` of a get-key answer field by field and refuses anything that is not the documented shape
with :class:`~license_guard.errors.InvalidResponseError`, so a caller never meets a raw dict or a
``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from license_guard._redact import redact
from license_guard.backends.keymint.api import parse_time
from license_guard.clock import utc
from license_guard.errors import ConfigurationError, InvalidResponseError

__all__ = [
    "Customer",
    "Device",
    "KeyDetails",
    "License",
    "NewCustomer",
    "iso_time",
    "parse_key_details",
]


@dataclass(frozen=True)
class NewCustomer:
    """A customer for create-key to create along with the key.

    Raises:
        ConfigurationError: an empty name, or an e-mail that is empty or not text.
    """

    name: str
    email: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigurationError("A new customer needs a name.")
        if self.email is not None and (not isinstance(self.email, str) or not self.email.strip()):
            raise ConfigurationError("A new customer's e-mail, when given, must not be empty.")

    def to_json(self) -> dict[str, str]:
        """The ``newCustomer`` object of create-key."""
        body = {"name": self.name}
        if self.email is not None:
            body["email"] = self.email
        return body


@dataclass(frozen=True)
class Device:
    """One activated device of a license.

    Attributes:
        host_id: the device's host ID, as the app sent it.
        device_tag: the name the app gave it (``"Studio PC"``), if any.
        ip_address: the address its latest activation came from, if known.
        activation_time: when it first took its seat (aware UTC), if known.
    """

    host_id: str
    device_tag: str | None
    ip_address: str | None
    activation_time: datetime | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, times as ISO 8601 with ``Z``."""
        return {
            "host_id": self.host_id,
            "device_tag": self.device_tag,
            "ip_address": self.ip_address,
            "activation_time": _optional_iso(self.activation_time),
        }


@dataclass(frozen=True)
class Customer:
    """The customer who owns a license."""

    id: str
    name: str | None
    email: str | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"id": self.id, "name": self.name, "email": self.email, "active": self.active}


@dataclass(frozen=True)
class License:
    """A license key and its seats. ``repr`` shows the key's last four characters only.

    Attributes:
        usage_limit: how many devices may hold a seat; None for unlimited.
        activations: how many do.
        expires_at: when the license expires (aware UTC); None for never.
    """

    id: str
    key: str = field(repr=False)
    product_id: str
    usage_limit: int | None
    activations: int
    activated: bool
    expires_at: datetime | None
    devices: tuple[Device, ...]

    @property
    def key_hint(self) -> str:
        """The key as it may be shown: ``"…7F3A"``."""
        return redact(self.key)

    @property
    def seats_left(self) -> int | None:
        """Free seats; None when unlimited."""
        return None if self.usage_limit is None else max(0, self.usage_limit - self.activations)

    def device(self, host_id: str) -> Device | None:
        """The device with exactly this host ID, or None."""
        return next((device for device in self.devices if device.host_id == host_id), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the key appears as ``key_hint`` only."""
        return {
            "id": self.id,
            "key_hint": self.key_hint,
            "product_id": self.product_id,
            "usage_limit": self.usage_limit,
            "activations": self.activations,
            "activated": self.activated,
            "expires_at": _optional_iso(self.expires_at),
            "devices": [device.to_json() for device in self.devices],
        }


@dataclass(frozen=True)
class KeyDetails:
    """What get-key tells about one key: the license, its customer, and the server's time.

    Keymint's get-key does not say whether a key is blocked; only activation tells.
    """

    license: License
    customer: Customer | None
    server_time: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the key as ``key_hint`` only)."""
        return {
            "license": self.license.to_json(),
            "customer": None if self.customer is None else self.customer.to_json(),
            "server_time": _optional_iso(self.server_time),
        }


def parse_key_details(
    license_data: Mapping[str, Any],
    customer_data: Mapping[str, Any] | None,
    server_time: datetime | None = None,
) -> KeyDetails:
    """Typed values from the ``license`` and ``customer`` objects of a get-key answer.

    Raises:
        InvalidResponseError: a missing or mistyped field.
    """
    devices = license_data.get("devices")
    if devices is None:
        devices = []
    if not isinstance(devices, list):
        raise _malformed("devices")
    parsed_devices = tuple(_device(item) for item in devices)
    activations = license_data.get("activations")
    if activations is None:
        activations = len(parsed_devices)
    usage_limit = license_data.get("usage_limit")
    activated = license_data.get("activated")
    if activated is None:
        activated = bool(parsed_devices)
    if not isinstance(activated, bool):
        raise _malformed("activated")
    license_ = License(
        id=_text(license_data, "id"),
        key=_text(license_data, "key"),
        product_id=_text(license_data, "product_id"),
        usage_limit=None if usage_limit is None else _count(usage_limit, "usage_limit"),
        activations=_count(activations, "activations"),
        activated=activated,
        expires_at=_time(license_data.get("expiration_date"), "expiration_date"),
        devices=parsed_devices,
    )
    customer = None
    if customer_data is not None:
        active = customer_data.get("active")
        if not isinstance(active, bool):
            raise _malformed("customer.active")
        customer = Customer(
            id=_text(customer_data, "id", "customer.id"),
            name=_optional_text(customer_data, "name", "customer.name"),
            email=_optional_text(customer_data, "email", "customer.email"),
            active=active,
        )
    return KeyDetails(license=license_, customer=customer, server_time=server_time)


def _device(item: object) -> Device:
    if not isinstance(item, dict):
        raise _malformed("devices")
    return Device(
        host_id=_text(item, "host_id", "device host_id"),
        device_tag=_optional_text(item, "device_tag", "device_tag"),
        ip_address=_optional_text(item, "ip_address", "ip_address"),
        activation_time=_time(item.get("activation_time"), "activation_time"),
    )


def _text(data: Mapping[str, Any], name: str, label: str | None = None) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise _malformed(label or name)
    return value


def _optional_text(data: Mapping[str, Any], name: str, label: str) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _malformed(label)
    return value


def _count(value: object, label: str) -> int:
    # Only a JSON number: the numeric string is create-key's request form, never an answer's.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _malformed(label)
    return value


def _time(value: object, label: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError) as exc:
        raise _malformed(label) from exc


def iso_time(value: datetime) -> str:
    """*value* as ISO 8601 in UTC with a ``Z`` and whole seconds, as Keymint writes times."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _optional_iso(value: datetime | None) -> str | None:
    return None if value is None else iso_time(value)


def _malformed(label: str) -> InvalidResponseError:
    return InvalidResponseError(f"The licensing server's key lookup has a malformed {label}.")
