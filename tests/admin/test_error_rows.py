"""Every error row of the Keymint contract that an admin call can meet, through the Python API.

| row | admin call | outcome |
|---|---|---|
| 400 / 1 malformed | create-key with an e-mail the server refuses | ConfigurationError |
| 401 / 1 token | any call, wrong token or another product's | AccessTokenError |
| 403 / 2 state | deactivate a key without devices | False (nothing to free) |
| 403 / 2 blocked | activation after an admin block | see test_agreement.py |
| 404 / 1 product | any call on an unknown or inactive product | ProductNotFoundError |
| 404 / 1 key | get, block, unblock, deactivate an unknown key | InvalidLicenseKeyError |
| 404 / 1 device | deactivate a host the key does not list | False (nothing to free) |
| 404 / 2 customer | create-key with an unknown customerId | CustomerNotFoundError |
| 409 / 2 e-mail | create-key with a taken newCustomer e-mail | CustomerExistsError |
| 429 / 3 rate | any call past the token's rate | RateLimitedError |
| 500 / 1 server | any call | LicenseUnreachableError, not retried |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from license_guard import (
    AccessTokenError,
    ConfigurationError,
    CustomerExistsError,
    CustomerNotFoundError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LicenseUnreachableError,
    ProductNotFoundError,
    RateLimitedError,
)
from license_guard.admin import ADMIN_MESSAGES, KeymintAdmin, NewCustomer
from license_guard.backends.keymint.answers import parse_error
from license_guard.backends.keymint.api import (
    BAD_REQUEST_HINTS,
    DETAIL_CODES,
    ERROR_TABLE,
    NOT_FOUND_HINTS,
    USER_MESSAGES,
    keymint_error,
)
from license_guard.clock import ManualClock
from license_guard.emulator import Emulator, Seed

Call = Callable[[KeymintAdmin, str], object]

#: Every admin method, on a given key (create-key ignores it).
EVERY_METHOD: list[tuple[str, Call]] = [
    ("create_key", lambda admin, key: admin.create_key()),
    ("get_key", lambda admin, key: admin.get_key(key)),
    ("block_key", lambda admin, key: admin.block_key(key)),
    ("unblock_key", lambda admin, key: admin.unblock_key(key)),
    ("deactivate_device", lambda admin, key: admin.deactivate_device(key, "host-1")),
    ("deactivate_all", lambda admin, key: admin.deactivate_all(key)),
]
KEY_METHODS = EVERY_METHOD[1:]
UNKNOWN_KEY = "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"


@pytest.fixture
def other_admin(
    keymint_seed: Seed, keymint_transport: httpx.BaseTransport, emulator_clock: ManualClock
) -> Callable[..., KeymintAdmin]:
    def make(**options: Any) -> KeymintAdmin:
        settings: dict[str, Any] = {
            "base_url": "http://127.0.0.1",
            "product_id": keymint_seed.product_id,
            "transport": keymint_transport,
            "clock": emulator_clock,
            **options,
        }
        return KeymintAdmin(**settings)

    return make


def test_400_a_request_the_server_finds_malformed(
    admin: KeymintAdmin, keymint_emulator: Emulator
) -> None:
    # The contract does not constrain e-mails, so the client leaves them to the server.
    with pytest.raises(ConfigurationError) as caught:
        admin.create_key(new_customer=NewCustomer("Jane", "j@"))
    assert type(caught.value) is ConfigurationError
    assert caught.value.server_message is not None
    assert "email" in caught.value.server_message
    assert len(keymint_emulator.customers()) == 1  # only the seed's


@pytest.mark.parametrize(("name", "call"), EVERY_METHOD)
def test_401_a_wrong_token(
    other_admin: Callable[..., KeymintAdmin],
    admin_token: str,
    keymint_seed: Seed,
    name: str,
    call: Call,
) -> None:
    wrong = other_admin(access_token=admin_token[:-4] + "XXXX")
    with pytest.raises(AccessTokenError, match="admin access token") as caught:
        call(wrong, keymint_seed.license_key)
    assert caught.value.server_message == "Invalid access token"


def test_401_a_token_scoped_to_another_product(
    other_admin: Callable[..., KeymintAdmin], keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    elsewhere = keymint_emulator.create_access_token(keymint_emulator.create_product("Other"))
    with pytest.raises(AccessTokenError):
        other_admin(access_token=elsewhere).get_key(keymint_seed.license_key)


@pytest.mark.parametrize(("name", "call"), EVERY_METHOD)
def test_404_an_unknown_or_inactive_product(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, name: str, call: Call
) -> None:
    keymint_emulator.set_product_active(keymint_seed.product_id, False)
    with pytest.raises(ProductNotFoundError, match="does not know this product"):
        call(admin, keymint_seed.license_key)


@pytest.mark.parametrize(("name", "call"), KEY_METHODS)
def test_404_an_unknown_key(admin: KeymintAdmin, name: str, call: Call) -> None:
    with pytest.raises(InvalidLicenseKeyError, match="does not know this license key") as caught:
        call(admin, UNKNOWN_KEY)
    assert caught.value.server_message == "Invalid license key"


def test_404_an_unknown_device_and_403_no_device_free_nothing(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed
) -> None:
    key = keymint_seed.license_key
    assert admin.deactivate_device(key, "host-1") is False  # 403 / 2 "License not activated"
    assert admin.deactivate_all(key) is False
    keymint_emulator.activate(keymint_seed.product_id, key, "host-2")
    assert admin.deactivate_device(key, "host-1") is False  # 404 / 1 "Device not found"
    statuses = [(r.path, r.status) for r in keymint_emulator.request_log]
    assert statuses == [("/deactivate-key", 403)] * 2 + [("/deactivate-key", 404)]


def test_404_2_an_unknown_customer(admin: KeymintAdmin, keymint_emulator: Emulator) -> None:
    with pytest.raises(CustomerNotFoundError, match="no customer with this id") as caught:
        admin.create_key(customer_id="cust_0000000000000000")
    assert caught.value.server_message == "Customer with ID cust_0000000000000000 not found"
    assert isinstance(caught.value, ConfigurationError)


def test_409_2_a_taken_email_creates_nothing(
    admin: KeymintAdmin, keymint_emulator: Emulator
) -> None:
    admin.create_key(new_customer=NewCustomer("Jane", "jane@example.com"))
    keymint_emulator.clear_request_log()
    with pytest.raises(CustomerExistsError, match="already exists") as caught:
        admin.create_key(new_customer=NewCustomer("Jane again", "JANE@example.com"))
    assert (
        caught.value.server_message == "CONFLICT: Customer email JANE@example.com already exists."
    )
    assert [c.name for c in keymint_emulator.customers()] == ["Demo Customer", "Jane"]
    assert [r.status for r in keymint_emulator.request_log] == [409]  # not retried


@pytest.mark.parametrize(("name", "call"), EVERY_METHOD)
def test_429_3_past_the_rate_limit(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, name: str, call: Call
) -> None:
    keymint_emulator.faults.token_rate_limit(max_requests=1, per_seconds=3600)
    admin.get_key(keymint_seed.license_key)  # the one request of the hour
    keymint_emulator.clear_request_log()
    with pytest.raises(RateLimitedError) as caught:
        call(admin, keymint_seed.license_key)
    # The server asks for a wait longer than the call's deadline: it gives up at once.
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > admin.timeout
    assert [r.status for r in keymint_emulator.request_log] == [429]


@pytest.mark.parametrize(("name", "call"), EVERY_METHOD)
def test_500_a_server_error_is_not_retried(
    admin: KeymintAdmin, keymint_emulator: Emulator, keymint_seed: Seed, name: str, call: Call
) -> None:
    keymint_emulator.faults.server_error(500)
    with pytest.raises(LicenseUnreachableError, match="HTTP 500"):
        call(admin, keymint_seed.license_key)
    assert [r.status for r in keymint_emulator.request_log] == [500]


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (404, 2, CustomerNotFoundError),  # generation 1 numbering
        (404, 5, CustomerNotFoundError),  # the overview's numbering
        (409, 2, CustomerExistsError),
        (409, 7, ConfigurationError),  # a code this table does not know: the status decides
        (409, None, InvalidResponseError),  # no Keymint error shape: not Keymint speaking
    ],
)
def test_the_table_names_the_customer_rows_in_both_numberings(
    status: int, code: int | None, error: type[Exception]
) -> None:
    answer = parse_error(status, {"message": "text", "code": code})
    assert type(keymint_error(answer)) is error
    assert type(keymint_error(answer, messages=ADMIN_MESSAGES)) is error


def test_every_error_the_table_can_name_has_an_admin_and_a_user_message() -> None:
    named = (
        set(ERROR_TABLE.values())
        | {error for _, error in NOT_FOUND_HINTS + BAD_REQUEST_HINTS}
        | set(DETAIL_CODES.values())
    )
    assert named <= set(ADMIN_MESSAGES)
    assert named <= set(USER_MESSAGES)
    assert not set(ADMIN_MESSAGES.values()) & set(USER_MESSAGES.values()) - {
        USER_MESSAGES[LicenseUnreachableError]
    }
