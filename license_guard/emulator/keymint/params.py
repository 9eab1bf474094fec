"""Reading the fields of a request (a JSON body or a query) for both API generations.

Every reader raises :class:`KeymintError` 400/1 when a field has the wrong shape, with a message
naming the field; absent and null are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from http import HTTPStatus
from typing import Any

from license_guard.emulator.dates import parse_iso8601
from license_guard.emulator.errors import Code, KeymintError
from license_guard.emulator.keymint.service import Message, NewCustomer

__all__ = [
    "MAX_LIMIT",
    "expiry_date",
    "integer",
    "invalid",
    "limit",
    "new_customer",
    "object_field",
    "require",
    "required_text",
    "string_list",
    "text",
]

#: The largest seat limit accepted: SQLite stores 64-bit integers, and no test needs more.
MAX_LIMIT = 1_000_000_000


def invalid(message: str) -> KeymintError:
    """400/1 with *message*."""
    return KeymintError(int(HTTPStatus.BAD_REQUEST), Code.REQUEST, message)


def require(body: Mapping[str, Any], *names: str) -> None:
    """400/1 "Missing required params" unless every field of *names* is present and not null."""
    if any(body.get(name) is None for name in names):
        raise invalid(Message.MISSING_PARAMS)


def text(body: Mapping[str, Any], name: str, shortest: int, longest: int) -> str | None:
    """The string field *name* (None when absent or null), or 400 when its shape is wrong."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not shortest <= len(value) <= longest:
        raise invalid(f"Invalid {name}: expected a string of {shortest} to {longest} characters")
    return value


def required_text(body: Mapping[str, Any], name: str, shortest: int, longest: int) -> str:
    """Like :func:`text`, for a field :func:`require` already checked."""
    value = text(body, name, shortest, longest)
    if value is None:
        raise invalid(Message.MISSING_PARAMS)
    return value


def limit(body: Mapping[str, Any], name: str, *, numbers: bool = False) -> int | None:
    """A seat limit from 1 to :data:`MAX_LIMIT` written as a numeric string (``"5"``), or also
    as a JSON integer when *numbers*."""
    value = body.get(name)
    if value is None:
        return None
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        raise invalid(f'Invalid {name}: expected a numeric string such as "5"')
    number = int(value)
    if not 1 <= number <= MAX_LIMIT:
        raise invalid(f"Invalid {name}: expected a number from 1 to {MAX_LIMIT}")
    return number


def integer(body: Mapping[str, Any], name: str, lowest: int, highest: int) -> int | None:
    """A JSON integer (or an integer query string) from *lowest* to *highest*; None if absent."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise invalid(f"Invalid {name}: expected an integer from {lowest} to {highest}")
    return value


def expiry_date(body: Mapping[str, Any], name: str = "expiryDate") -> datetime | None:
    """An ISO 8601 date or date-time (``Z``, an offset, or none = UTC)."""
    value = body.get(name)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_iso8601(value)
    except ValueError:
        raise invalid(f"Invalid {name}: expected ISO 8601 such as 2024-12-31T23:59:59Z") from None


def new_customer(body: Mapping[str, Any]) -> NewCustomer | None:
    """The ``newCustomer`` object: a ``name`` and an optional ``email``."""
    value = body.get("newCustomer")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid("Invalid newCustomer: expected an object with a name")
    name = text(value, "name", 1, 256)
    if name is None:
        raise invalid(Message.MISSING_PARAMS)
    return NewCustomer(name, text(value, "email", 3, 256))


def object_field(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A JSON object field (``metadata``), or None."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"Invalid {name}: expected an object")
    return value


def string_list(body: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    """A JSON list of strings (``allowedHosts``), or None."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid(f"Invalid {name}: expected a list of strings")
    return tuple(value)
