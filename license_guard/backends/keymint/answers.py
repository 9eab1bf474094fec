"""Keymint's answers, read once, into typed values: the one parser of every Keymint answer.

The backend and the vendor's admin client both read answers here, for both API generations:
get-key (:func:`parse_key_details`), activate-key (:func:`parse_activation`), deactivate-key
(:func:`parse_deactivation`), create-key (:func:`parse_created_key`), floating seats
(:func:`parse_checkout`, :func:`parse_seat_renewal`), customers (:func:`parse_customer`) and
errors (:func:`parse_error`). Nothing past this module meets a raw dict or a ``KeyError``.

Reading is tolerant where the real service is known to differ from the seed documents, and
strict everywhere else: a field is looked up under each of its spellings (generation 1's
``usage_limit``, the 0.1.0 SDK's ``max_activations``, generation 2's ``maxActivations``), and a
present field of the wrong type is :class:`~license_guard.errors.InvalidResponseError`.

Every value is a frozen :class:`~license_guard._record.Record` (the backend imports this module
on the start path, which must not import :mod:`dataclasses`) with aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from license_guard._record import Record, field
from license_guard._redact import redact
from license_guard.clock import parse_iso8601, utc
from license_guard.errors import ConfigurationError, InvalidResponseError

__all__ = [
    "Activation",
    "Customer",
    "Deactivation",
    "Device",
    "ErrorAnswer",
    "KeyDetails",
    "License",
    "NewCustomer",
    "SeatCheckout",
    "SeatRenewal",
    "iso_time",
    "parse_activation",
    "parse_checkout",
    "parse_created_key",
    "parse_customer",
    "parse_customer_answer",
    "parse_customers",
    "parse_deactivation",
    "parse_error",
    "parse_key_details",
    "parse_seat_renewal",
    "parse_signed_file",
    "parse_time",
]

# Each field under every spelling the service is known to use, preferred first.
SPELLINGS: Mapping[str, tuple[str, ...]] = {
    "product_id": ("product_id", "productId"),
    "usage_limit": ("usage_limit", "max_activations", "maxActivations"),
    "expiration_date": ("expiration_date", "expirationDate"),
    "host_id": ("host_id", "hostId"),
    "device_tag": ("device_tag", "deviceTag"),
    "ip_address": ("ip_address", "ipAddress"),
    "activation_time": ("activation_time", "activationTime"),
    "licensee_name": ("licensee_name", "licenseeName"),
    "licensee_email": ("licensee_email", "licenseeEmail"),
    "devices_removed": ("devicesRemoved", "devices_removed"),
    "license_type": ("licenseType", "license_type"),
    "max_sessions": ("maxConcurrentSessions", "maxSessions", "max_concurrent_sessions"),
    # The relay's hook: an activation answer may carry the device's signed offline license.
    "signed_file": ("signedFile", "signed_file"),
}

_ABSENT: Any = object()


class NewCustomer(Record):
    """A customer for create-key (or POST ``/customer``) to create.

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


class Device(Record):
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


class Customer(Record):
    """The customer who owns a license."""

    id: str
    name: str | None
    email: str | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"id": self.id, "name": self.name, "email": self.email, "active": self.active}


class License(Record):
    """A license key and its seats. ``repr`` shows the key's last four characters only.

    Attributes:
        usage_limit: how many devices may hold a seat; None for unlimited.
        activations: how many do.
        expires_at: when the license expires (aware UTC); None for never.
        license_type: ``"node-locked"`` or ``"floating"`` (generation 2), None when not said.
        max_sessions: a floating license's seats in use at once, when said.
    """

    id: str
    key: str = field(repr=False)
    product_id: str
    usage_limit: int | None
    activations: int
    activated: bool
    expires_at: datetime | None
    devices: tuple[Device, ...]
    license_type: str | None = None
    max_sessions: int | None = None

    @property
    def key_hint(self) -> str:
        """The key as it may be shown: ``"…7F3A"``."""
        return redact(self.key)

    @property
    def seats_left(self) -> int | None:
        """Free seats; None when unlimited."""
        return None if self.usage_limit is None else max(0, self.usage_limit - self.activations)

    @property
    def full(self) -> bool:
        """Every seat is taken (never for an unlimited license)."""
        return self.usage_limit is not None and self.activations >= self.usage_limit

    def device(self, host_id: str) -> Device | None:
        """The device with exactly this host ID, or None."""
        return next((device for device in self.devices if device.host_id == host_id), None)

    def lists(self, host_id: str) -> bool:
        """Whether *host_id* holds a seat."""
        return self.device(host_id) is not None

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


class KeyDetails(Record):
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


class Activation(Record):
    """An activate-key success.

    Attributes:
        states_expiry: whether the answer said when the license expires (generation 2 does;
            generation 1 leaves it to get-key). When it did, ``expires_at`` None means never.
        signed_file: a signed offline license for this device, when the server (a relay)
            sent one along; kept exactly as sent.
    """

    message: str | None
    licensee_name: str | None
    licensee_email: str | None
    expires_at: datetime | None = None
    states_expiry: bool = False
    signed_file: str | None = field(default=None, repr=False)


class Deactivation(Record):
    """A deactivate-key success: the server's words and, in generation 2, how many devices."""

    message: str | None
    devices_removed: int | None = None


class SeatCheckout(Record):
    """A floating seat taken: the session and the first nonce to sign with.

    ``session_secret`` is a secret: never shown in ``repr``, never logged.
    """

    session_id: str
    session_secret: str = field(repr=False)
    next_nonce: str = field(repr=False)
    expires_at: datetime
    heartbeat_interval: int
    current_sessions: int | None = None
    max_sessions: int | None = None
    licensee_name: str | None = None
    licensee_email: str | None = None
    license_expires_at: datetime | None = None


class SeatRenewal(Record):
    """A heartbeat accepted: the seat's new lease end and the next nonce."""

    expires_at: datetime
    next_nonce: str = field(repr=False)


class ErrorAnswer(Record):
    """A failed answer, as far as it can be read.

    Attributes:
        status: the HTTP status.
        code: Keymint's integer ``code`` (top level, else the nested ``error.code``), if any.
        message: the top-level ``message``, else the nested ``error.message``.
        detail_code: a nested ``error.code`` given as text (``"CUSTOMER_EMAIL_EXISTS"``).
        keymint_shaped: whether the body has Keymint's error shape at all: a JSON object with
            an integer code, or a nested ``error`` object with a code. A proxy's or portal's
            page has not, and is never read as a refusal.
    """

    status: int
    code: int | None
    message: str | None
    detail_code: str | None
    keymint_shaped: bool


# -- parsers ---------------------------------------------------------------------------------


def parse_key_details(
    body: Mapping[str, Any], *, server_time: datetime | None = None
) -> KeyDetails:
    """Typed values from a get-key success body (``{"code": 0, "data": {...}}``), either
    generation.

    Raises:
        InvalidResponseError: no license object, or a missing or mistyped field.
    """
    data = body.get("data")
    license_data = data.get("license") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(license_data, dict):
        raise InvalidResponseError("The licensing server's key lookup had no license in it.")
    customer_data = data.get("customer")
    if customer_data is not None and not isinstance(customer_data, dict):
        raise _malformed("customer")
    return KeyDetails(
        license=_license(license_data),
        customer=None if customer_data is None else parse_customer(customer_data),
        server_time=server_time,
    )


def parse_activation(body: Mapping[str, Any]) -> Activation:
    """Typed values from an activate-key success body, either generation.

    Raises:
        InvalidResponseError: a mistyped field.
    """
    expiry = _get(body, "expiration_date")
    signed_file = _or_none(_get(body, "signed_file"))
    if signed_file is not None and not isinstance(signed_file, str):
        raise _malformed("signed file", "activation")
    return Activation(
        message=_loose_text(body.get("message")),
        licensee_name=_loose_text(_get(body, "licensee_name")),
        licensee_email=_loose_text(_get(body, "licensee_email")),
        expires_at=None if expiry is _ABSENT else _time(expiry, "expirationDate", "activation"),
        states_expiry=expiry is not _ABSENT,
        signed_file=signed_file or None,
    )


def parse_deactivation(body: Mapping[str, Any]) -> Deactivation:
    """Typed values from a deactivate-key success body, either generation.

    Raises:
        InvalidResponseError: a mistyped ``devicesRemoved``.
    """
    removed = _get(body, "devices_removed")
    return Deactivation(
        message=_loose_text(body.get("message")),
        devices_removed=None
        if removed in (_ABSENT, None)
        else _count(removed, "devicesRemoved", "deactivation"),
    )


def parse_created_key(body: Mapping[str, Any], *, bounds: tuple[int, int]) -> str:
    """The key of a create-key success body.

    Raises:
        InvalidResponseError: no key, or one whose length is outside *bounds*.
    """
    key = body.get("key")
    low, high = bounds
    if not isinstance(key, str) or not low <= len(key) <= high:
        raise InvalidResponseError("The licensing server created a key but did not send it.")
    return key


def parse_signed_file(body: Mapping[str, Any]) -> str:
    """The ``.lic`` text of a ``/key/sign`` answer (``{"file": "..."}``).

    Raises:
        InvalidResponseError: no file in it.
    """
    text = body.get("file")
    if not isinstance(text, str) or not text.strip():
        raise InvalidResponseError("The licensing server's signing answer held no license file.")
    return text


def parse_customer(data: Mapping[str, Any]) -> Customer:
    """A customer object (get-key's ``customer``, or a generation-2 customer's ``data``).

    Raises:
        InvalidResponseError: a missing id or a mistyped field.
    """
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise _malformed("customer.active")
    return Customer(
        id=_text(data, "id", "customer.id"),
        name=_optional_text(data.get("name"), "customer.name"),
        email=_optional_text(data.get("email"), "customer.email"),
        active=active,
    )


def parse_customer_answer(body: Mapping[str, Any]) -> Customer:
    """The customer of a generation-2 customer answer: ``data`` an object, or a list of one
    (as get-customer-by-id sends it).

    Raises:
        InvalidResponseError: no single customer object in it, or a malformed one.
    """
    data = body.get("data")
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise InvalidResponseError("The licensing server's customer answer had no customer.")
    return parse_customer(data)


def parse_customers(body: Mapping[str, Any]) -> tuple[Customer, ...]:
    """The customers of a generation-2 customer list (``data`` a list, or an object holding
    one under ``customers`` or ``items``).

    Raises:
        InvalidResponseError: no list of customer objects.
    """
    data = body.get("data")
    if isinstance(data, dict):
        data = next((data[name] for name in ("customers", "items") if name in data), None)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InvalidResponseError("The licensing server's customer list is malformed.")
    return tuple(parse_customer(item) for item in data)


def parse_checkout(body: Mapping[str, Any]) -> SeatCheckout:
    """A floating checkout's success body.

    Raises:
        InvalidResponseError: no session, secret, nonce or lease end, or a mistyped field.
    """
    interval = body.get("heartbeatInterval")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
        raise _malformed("heartbeatInterval", "seat checkout")
    license_expiry = _get(body, "expiration_date")
    return SeatCheckout(
        session_id=_text(body, "sessionId", "sessionId", "seat checkout"),
        session_secret=_text(body, "sessionSecret", "sessionSecret", "seat checkout"),
        next_nonce=_nonce(body.get("nextNonce"), "seat checkout"),
        expires_at=_required_time(body.get("expiresAt"), "expiresAt", "seat checkout"),
        heartbeat_interval=interval,
        current_sessions=_optional_count(body.get("currentSessions"), "currentSessions"),
        max_sessions=_optional_count(body.get("maxSessions"), "maxSessions"),
        licensee_name=_loose_text(_get(body, "licensee_name")),
        licensee_email=_loose_text(_get(body, "licensee_email")),
        license_expires_at=None
        if license_expiry is _ABSENT
        else _time(license_expiry, "expirationDate", "seat checkout"),
    )


def parse_seat_renewal(body: Mapping[str, Any]) -> SeatRenewal:
    """A heartbeat's success body.

    Raises:
        InvalidResponseError: no new lease end or nonce.
    """
    return SeatRenewal(
        expires_at=_required_time(body.get("expiresAt"), "expiresAt", "heartbeat"),
        next_nonce=_nonce(body.get("nextNonce"), "heartbeat"),
    )


def parse_error(status: int, body: object) -> ErrorAnswer:
    """Read a failed answer: *body* is its JSON object, or None when it was none.

    Keymint's error body is ``{"message": ..., "code": <int>}``; the SDK also reads a nested
    ``{"error": {"code": ..., "message": ...}}``, so this does too: the nested message stands
    in for a missing top-level one, a nested integer code for a missing top-level code, and a
    nested text code is kept as ``detail_code``.
    """
    if not isinstance(body, Mapping):
        return ErrorAnswer(status, None, None, None, keymint_shaped=False)
    code = _int_code(body.get("code"))
    message = _loose_text(body.get("message"))
    nested = body.get("error")
    detail_code = None
    if isinstance(nested, Mapping):
        nested_code = nested.get("code")
        if code is None:
            code = _int_code(nested_code)
        if isinstance(nested_code, str) and nested_code.strip():
            detail_code = nested_code.strip()
        message = message or _loose_text(nested.get("message"))
    return ErrorAnswer(
        status, code, message, detail_code, keymint_shaped=code is not None or bool(detail_code)
    )


def parse_time(value: object) -> datetime:
    """A Keymint timestamp (ISO 8601 with a zone) as aware UTC.

    Raises:
        ValueError: not a string, not ISO 8601, without a zone, or out of range.
    """
    return parse_iso8601(value)


def iso_time(value: datetime) -> str:
    """*value* as ISO 8601 in UTC with a ``Z`` and whole seconds, as Keymint writes times."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- field readers ---------------------------------------------------------------------------


def _license(data: Mapping[str, Any]) -> License:
    devices = data.get("devices")
    if devices is None:
        devices = []
    if not isinstance(devices, list):
        raise _malformed("devices")
    parsed_devices = tuple(_device(item) for item in devices)
    activations = data.get("activations")
    if activations is None:
        activations = len(parsed_devices)
    usage_limit = _get(data, "usage_limit")
    if "usage_limit" not in data and _is_int(usage_limit) and usage_limit <= 0:
        # Generation 2 does not say how it writes "unlimited": null, or (read so) 0 or -1.
        usage_limit = None
    activated = data.get("activated")
    if activated is None:
        activated = bool(parsed_devices)
    if not isinstance(activated, bool):
        raise _malformed("activated")
    expiry = _get(data, "expiration_date")
    if expiry is _ABSENT:
        # Documented as always there (null for never): a license without it is a broken or
        # garbled answer, not one that never expires (the fuzz campaign's finding).
        raise _malformed("expiration_date")
    license_type = _get(data, "license_type")
    return License(
        id=_text(data, "id"),
        key=_text(data, "key"),
        product_id=_text_of(data, "product_id"),
        usage_limit=None if usage_limit in (_ABSENT, None) else _count(usage_limit, "usage_limit"),
        activations=_count(activations, "activations"),
        activated=activated,
        expires_at=_time(expiry, "expiration_date"),
        devices=parsed_devices,
        license_type=None if license_type is _ABSENT else _optional_text(license_type, "type"),
        max_sessions=_optional_count(_get(data, "max_sessions"), "maxConcurrentSessions"),
    )


def _device(item: object) -> Device:
    if not isinstance(item, dict):
        raise _malformed("devices")
    activation_time = _get(item, "activation_time")
    return Device(
        host_id=_text_of(item, "host_id", "device host_id"),
        device_tag=_optional_text(_or_none(_get(item, "device_tag")), "device_tag"),
        ip_address=_optional_text(_or_none(_get(item, "ip_address")), "ip_address"),
        activation_time=None
        if activation_time is _ABSENT
        else _time(activation_time, "activation_time"),
    )


def _get(data: Mapping[str, Any], name: str) -> Any:
    """The value of *name* under the first spelling that has one; None when only nulls are
    there; _ABSENT when no spelling is."""
    spellings = [spelling for spelling in SPELLINGS[name] if spelling in data]
    return next(
        (data[spelling] for spelling in spellings if data[spelling] is not None),
        None if spellings else _ABSENT,
    )


def _or_none(value: Any) -> Any:
    return None if value is _ABSENT else value


def _text_of(data: Mapping[str, Any], name: str, label: str | None = None) -> str:
    value = _get(data, name)
    if not isinstance(value, str) or not value:
        raise _malformed(label or name)
    return value


def _text(data: Mapping[str, Any], name: str, label: str | None = None, what: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise _malformed(label or name, what or "key lookup")
    return value


def _optional_text(value: object, label: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _malformed(label)
    return value


def _loose_text(value: object) -> str | None:
    """Text shown to people only: anything else is dropped, not refused."""
    return value if isinstance(value, str) and value else None


def _nonce(value: object, what: str) -> str:
    # The SDKs send the nonce back as received; a number would be sent back as text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise _malformed("nextNonce", what)
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_code(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(value: object, label: str, what: str = "key lookup") -> int:
    # Only a JSON number: the numeric string is create-key's request form, never an answer's.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidResponseError(
            f"The licensing server's {what} has a malformed {label}: not a number of zero or more."
        )
    return value


def _optional_count(value: object, label: str) -> int | None:
    return None if value is None or value is _ABSENT else _count(value, label)


def _time(value: object, label: str, what: str = "key lookup") -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError) as exc:
        raise _malformed(label, what) from exc


def _required_time(value: object, label: str, what: str) -> datetime:
    parsed = _time(value, label, what)
    if parsed is None:
        raise _malformed(label, what)
    return parsed


def _optional_iso(value: datetime | None) -> str | None:
    return None if value is None else iso_time(value)


def _malformed(label: str, what: str = "key lookup") -> InvalidResponseError:
    return InvalidResponseError(f"The licensing server's {what} has a malformed {label}.")
