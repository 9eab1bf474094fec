"""Reading get-key answers defensively: the documented shape in, typed values out, else
InvalidResponseError. The answers here are the contract's own example, altered field by field."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest

from license_guard import InvalidResponseError
from license_guard.admin import KeyDetails, NewCustomer
from license_guard.backends.keymint.answers import parse_key_details

# The example answer of the get-key seed document.
EXAMPLE: dict[str, Any] = {
    "license": {
        "id": "lki_0123",
        "key": "XXXXX-XXXXX-XXXXX-XXXXX",
        "product_id": "your_product_id_123",
        "usage_limit": 5,
        "activations": 2,
        "devices": [
            {
                "host_id": "a1:b2:c3:d4:e5:f6-hashed-uuid-or-other-id",
                "device_tag": "Dev Workstation",
                "ip_address": "192.168.1.100",
                "activation_time": "2023-10-27T10:00:00Z",
            },
            {
                "host_id": "another-unique-device-identifier",
                "device_tag": "John's Laptop",
                "ip_address": "10.0.0.5",
                "activation_time": "2023-11-15T14:30:00Z",
            },
        ],
        "activated": True,
        "expiration_date": "2024-12-31T23:59:59Z",
    },
    "customer": {
        "id": "cust_0123",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "active": True,
    },
}


def _parse(data: dict[str, Any]) -> KeyDetails:
    return parse_key_details({"code": 0, "data": data})


def _altered(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    index: Any = int(last) if isinstance(target, list) else last
    if value is ...:
        del target[index]
    else:
        target[index] = value
    return data


def test_the_documented_example_reads_as_typed_values() -> None:
    details = _parse(EXAMPLE)
    license_ = details.license
    assert (license_.usage_limit, license_.activations, license_.activated) == (5, 2, True)
    assert license_.expires_at == datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert [d.device_tag for d in license_.devices] == ["Dev Workstation", "John's Laptop"]
    assert license_.devices[1].activation_time == datetime(
        2023, 11, 15, 14, 30, tzinfo=timezone.utc
    )
    assert details.customer is not None
    assert details.customer.email == "jane.doe@example.com"
    assert details.to_json()["license"]["devices"][0] == EXAMPLE["license"]["devices"][0]
    assert details.to_json()["license"]["key_hint"] == "…XXXX"
    assert "key" not in details.to_json()["license"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("license.expiration_date", None, None),  # never expires
        ("license.usage_limit", None, None),  # unlimited
        ("license.devices.0.device_tag", None, None),
        ("license.devices.0.ip_address", ..., None),
    ],
)
def test_optional_fields(path: str, value: Any, expected: Any) -> None:
    details = _parse(_altered(path, value))
    license_ = details.license
    got = {
        "license.expiration_date": license_.expires_at,
        "license.usage_limit": license_.usage_limit,
        "license.devices.0.device_tag": license_.devices[0].device_tag,
        "license.devices.0.ip_address": license_.devices[0].ip_address,
    }[path]
    assert got == expected


def test_missing_counts_are_taken_from_the_devices() -> None:
    data = _altered("license.activations", ...)
    del data["license"]["activated"]
    details = _parse(data)
    assert (details.license.activations, details.license.activated) == (2, True)


def test_no_customer() -> None:
    assert parse_key_details({"code": 0, "data": {"license": EXAMPLE["license"]}}).customer is None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("license.key", ...),
        ("license.key", 12345),
        ("license.id", ""),
        ("license.product_id", None),
        ("license.usage_limit", -1),
        ("license.usage_limit", "five"),
        ("license.usage_limit", "5"),  # create-key's request form, never an answer's
        ("license.activations", "1"),
        ("license.usage_limit", True),
        ("license.activations", 2.5),
        ("license.activated", "yes"),
        ("license.expiration_date", "next year"),
        ("license.expiration_date", 1735689599),
        ("license.devices", {"host_id": "x"}),
        ("license.devices.0", "a1:b2"),
        ("license.devices.0.host_id", None),
        ("license.devices.0.device_tag", 7),
        ("license.devices.0.activation_time", "yesterday"),
        ("customer.id", None),
        ("customer.active", "true"),
        ("customer.email", ["jane@example.com"]),
    ],
)
def test_a_malformed_answer_is_an_invalid_response(path: str, value: Any) -> None:
    with pytest.raises(InvalidResponseError, match="malformed"):
        _parse(_altered(path, value))


def test_values_are_frozen_and_hide_the_key() -> None:
    details = _parse(EXAMPLE)
    assert "XXXXX-XXXXX" not in repr(details)
    assert hash(details.license.devices[0]) == hash(details.license.devices[0])
    with pytest.raises(AttributeError):
        details.customer = None  # type: ignore[misc]
    assert NewCustomer("Jane") == NewCustomer("Jane", None)
