"""Keymint offline licenses (``.lic``): an Ed25519 JWT inside ``{"signedKey": "<JWT>"}``.

The format is the one the official SDK 2.7.0 reads (keymint-api-v2.md, "Offline license"): header
``{"alg": "EdDSA", "typ": "JWT", "kid": …}`` with ``kid`` = base64url-no-pad(SHA-256(SPKI DER of
the public key)), claims ``type`` ("offline"), ``productId``, ``machineCode``, ``sub`` (the license
key), ``exp`` and ``iat`` (Unix seconds). Keys are raw bytes, as :mod:`license_guard.crypto` makes
them: 32-byte private, 32-byte public.

:func:`sign_offline_license` is public for tests that need a ``.lic`` file without a server.
``license_guard.crypto`` (and so ``cryptography``) is imported when something is signed, never
when the emulator is imported; the key id and the PEM need only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

from license_guard.clock import utc

__all__ = ["SigningKey", "key_id", "public_key_der", "public_key_pem", "sign_offline_license"]

# RFC 8410: the DER SubjectPublicKeyInfo of an Ed25519 key is this prefix and the 32 raw bytes.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def public_key_der(public_key: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER of a raw 32-byte Ed25519 public key.

    Raises :class:`ValueError` when *public_key* is not 32 bytes.
    """
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return _ED25519_SPKI_PREFIX + public_key


def public_key_pem(public_key: bytes) -> str:
    """The ``-----BEGIN PUBLIC KEY-----`` PEM that ``keymint.verify_offline_license`` takes."""
    encoded = base64.b64encode(public_key_der(public_key)).decode("ascii")
    return f"-----BEGIN PUBLIC KEY-----\n{encoded}\n-----END PUBLIC KEY-----\n"


def key_id(public_key: bytes) -> str:
    """The JWT ``kid`` of a raw public key: base64url, no padding, of SHA-256 over its SPKI DER."""
    return _b64url(hashlib.sha256(public_key_der(public_key)).digest())


def sign_offline_license(
    private_key: bytes,
    *,
    product_id: str,
    machine_code: str,
    license_key: str,
    expires_at: datetime,
    issued_at: datetime | None = None,
    kid: str | None = None,
) -> str:
    """The text of a ``.lic`` file: ``{"signedKey": "<EdDSA JWT>"}``.

    *private_key* is a raw 32-byte Ed25519 key. *kid* defaults to :func:`key_id` of its public
    key (pass another to make a file that names an unknown key). ``iat`` is left out when
    *issued_at* is None. Times are whole Unix seconds (a naive datetime is UTC).
    Raises :class:`license_guard.crypto.CryptoError` for a private key that is not 32 bytes.
    """
    from license_guard import crypto

    if kid is None:
        kid = key_id(crypto.ed25519_public_key(private_key))
    claims: dict[str, object] = {
        "type": "offline",
        "productId": product_id,
        "machineCode": machine_code,
        "sub": license_key,
        "exp": int(utc(expires_at).timestamp()),
    }
    if issued_at is not None:
        claims["iat"] = int(utc(issued_at).timestamp())
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    signing_input = f"{_b64url(_compact_json(header))}.{_b64url(_compact_json(claims))}"
    signature = crypto.sign_ed25519(private_key, signing_input.encode("ascii"))
    return json.dumps({"signedKey": f"{signing_input}.{_b64url(signature)}"})


class SigningKey:
    """The emulated organization's signing key: a raw Ed25519 pair and what is derived from it."""

    def __init__(self, private_key: bytes) -> None:
        from license_guard import crypto

        self._private = private_key
        #: The raw 32-byte public key.
        self.public_key = crypto.ed25519_public_key(private_key)
        #: The ``kid`` every license it signs carries.
        self.kid = key_id(self.public_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key pair."""
        from license_guard import crypto

        private, _ = crypto.new_ed25519_key()
        return cls(private)

    @property
    def private_bytes(self) -> bytes:
        """The raw private key (the emulator stores it in its database: it is no real secret)."""
        return self._private

    @property
    def public_pem(self) -> str:
        """The public key as an SPKI PEM."""
        return public_key_pem(self.public_key)

    def sign(
        self,
        *,
        product_id: str,
        machine_code: str,
        license_key: str,
        expires_at: datetime,
        issued_at: datetime,
    ) -> str:
        """A ``.lic`` file signed by this key (see :func:`sign_offline_license`)."""
        return sign_offline_license(
            self._private,
            product_id=product_id,
            machine_code=machine_code,
            license_key=license_key,
            expires_at=expires_at,
            issued_at=issued_at,
            kid=self.kid,
        )

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid})"
