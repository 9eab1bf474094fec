"""Fresh identifiers and secrets, all drawn from :mod:`secrets`.

Shapes follow the Keymint documents: product ids ``prod_…`` long enough for the API's 22-character
minimum, customer ids ``cust_…``, license ids ``lki_…``, access tokens ``at_…`` and license keys
``XXXXX-XXXXX-XXXXX-XXXXX`` (23 characters, upper-case letters and digits).
"""

from __future__ import annotations

import secrets
import string

__all__ = [
    "new_access_token",
    "new_admin_secret",
    "new_customer_id",
    "new_license_id",
    "new_license_key",
    "new_product_id",
]

_KEY_ALPHABET = string.ascii_uppercase + string.digits


def new_product_id() -> str:
    """``prod_`` and 20 hex digits: 25 characters, inside the API's 22..256 bounds."""
    return "prod_" + secrets.token_hex(10)


def new_customer_id() -> str:
    """``cust_`` and 16 hex digits."""
    return "cust_" + secrets.token_hex(8)


def new_license_id() -> str:
    """``lki_`` and 16 hex digits: the ``license.id`` of get-key."""
    return "lki_" + secrets.token_hex(8)


def new_access_token() -> str:
    """``at_`` and 43 URL-safe characters (256 random bits)."""
    return "at_" + secrets.token_urlsafe(32)


def new_admin_secret() -> str:
    """``adm_`` and 43 URL-safe characters: guards the emulator's control endpoint."""
    return "adm_" + secrets.token_urlsafe(32)


def new_license_key() -> str:
    """Four groups of five upper-case letters or digits, e.g. ``"7QK2M-…"`` (23 characters)."""
    groups = ("".join(secrets.choice(_KEY_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)
