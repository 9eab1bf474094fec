"""Signed license keys (policy scheme ``ED25519_SIGN``): ``key/<dataset>.<signature>``.

Both parts are base64url; the signature is Ed25519 over the ASCII text ``key/<dataset part>``
exactly as it stands in the key (with or without ``=`` padding), so the key is verified before
its dataset is decoded. A verified key proves offline that Keygen issued it, and carries the
dataset the vendor embedded (by default the license, policy and product ids and the expiry).
"""

from __future__ import annotations

import json
from typing import Any

from license_guard import crypto
from license_guard._record import Record, field
from license_guard._redact import redact
from license_guard.backends.keygen.formats._codec import decode_base64url
from license_guard.backends.keygen.formats.public_key import PublicKey
from license_guard.errors import LeaseError

__all__ = ["SIGNED_KEY_SCHEME", "SignedKey", "verify_signed_key"]

SIGNED_KEY_SCHEME = "ED25519_SIGN"


class SignedKey(Record):
    """The verified content of a signed license key (the key itself is not kept)."""

    scheme: str
    dataset: bytes = field(repr=False)

    def json(self) -> Any:
        """The dataset parsed as JSON (Keygen's default dataset is a JSON object).

        Raises:
            LeaseError: the vendor embedded a dataset that is not JSON.
        """
        try:
            return json.loads(self.dataset.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise LeaseError("The signed license key's dataset is not JSON.") from exc


def verify_signed_key(
    license_key: str, *, public_key: PublicKey | str, scheme: str = SIGNED_KEY_SCHEME
) -> SignedKey:
    """Verify a signed license key and return its dataset.

    *scheme* is the license's ``scheme`` attribute (from its policy); only ``ED25519_SIGN`` is
    supported.

    Raises:
        ConfigurationError: *public_key* is not a valid hex Ed25519 key.
        LeaseError: the scheme is not supported, the key is not of the form
            ``key/<base64url>.<base64url>``, or its signature is not genuine.
    """
    key = PublicKey.coerce(public_key)
    shown = redact(license_key)
    if scheme != SIGNED_KEY_SCHEME:
        raise LeaseError(
            f"License key {shown} uses the unsupported signing scheme {scheme[:40]!r}: "
            f"license_guard verifies {SIGNED_KEY_SCHEME} keys only."
        )
    signing_data, _, encoded_signature = license_key.partition(".")
    prefix, _, encoded_dataset = signing_data.partition("/")
    if (
        prefix != "key"
        or not encoded_dataset
        or not encoded_signature
        or not signing_data.isascii()
    ):
        raise LeaseError(f"License key {shown} is corrupt: it is not a signed key (key/...).")
    try:
        signature = decode_base64url(encoded_signature)
    except ValueError as exc:
        raise LeaseError(f"License key {shown} is corrupt: its signature is malformed.") from exc
    try:
        crypto.verify_ed25519(key.raw, signing_data.encode(), signature)
    except crypto.CryptoError as exc:
        raise LeaseError(
            f"License key {shown} is not genuine: its signature does not match the Keygen "
            "public key."
        ) from exc
    try:
        dataset = decode_base64url(encoded_dataset)
    except ValueError as exc:
        raise LeaseError(f"License key {shown} is corrupt: its dataset is malformed.") from exc
    return SignedKey(scheme=scheme, dataset=dataset)
