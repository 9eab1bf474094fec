"""The signing side of Keymint's offline license (``.lic``): one implementation for every signer.

The format is the one Keymint's SDK 2.7.0 reads and :mod:`.offline` verifies: a JSON object
``{"signedKey": "<JWT>"}`` whose JWT has the header ``{"alg": "EdDSA", "typ": "JWT", "kid": …}``
and the claims ``type`` (``"offline"``), ``productId``, ``machineCode`` (the host ID),
``sub`` (the license key), ``exp`` and, optionally, ``iat`` (whole Unix seconds).

Key id rule (Keymint's): ``kid`` = base64url without padding of SHA-256 over the public key's
SubjectPublicKeyInfo DER (:func:`key_id_of`). A verifier holding several public keys picks the
one the ``kid`` names, which is what lets a signer rotate keys.

Two signers use it: the Keymint emulator (as Keymint's ``/key/sign``) and the vendor's relay
(:mod:`license_guard.relay`), which adds claims of its own (``nonce`` and the license's facts);
the SDK ignores claims it does not know. Keys are raw bytes, as :mod:`license_guard.crypto`
makes them: 32-byte private, 32-byte public. ``cryptography`` is loaded only when something is
signed; the key id and the PEM need only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from license_guard.clock import utc
from license_guard.errors import ConfigurationError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "STANDARD_CLAIMS",
    "SigningKey",
    "key_id_of",
    "public_key_der",
    "public_key_pem",
    "sign_offline_license",
]

#: The claims the format defines; extra claims may not reuse these names.
STANDARD_CLAIMS = frozenset({"type", "productId", "machineCode", "sub", "exp", "iat"})

# RFC 8410: the DER SubjectPublicKeyInfo of an Ed25519 key is this prefix and the 32 raw bytes.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def public_key_der(public_key: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER of a raw 32-byte Ed25519 public key.

    Raises:
        ValueError: *public_key* is not 32 bytes.
    """
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return _ED25519_SPKI_PREFIX + public_key


def public_key_pem(public_key: bytes) -> str:
    """The ``-----BEGIN PUBLIC KEY-----`` PEM of a raw public key (what apps embed)."""
    encoded = base64.b64encode(public_key_der(public_key)).decode("ascii")
    return f"-----BEGIN PUBLIC KEY-----\n{encoded}\n-----END PUBLIC KEY-----\n"


def key_id_of(public_key: bytes) -> str:
    """The ``kid`` of a raw public key: base64url, no padding, of SHA-256 over its SPKI DER
    (the same value :func:`.offline.key_id` computes from the DER)."""
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
    extra_claims: Mapping[str, object] | None = None,
) -> str:
    """The text of a ``.lic`` file: ``{"signedKey": "<EdDSA JWT>"}``.

    *private_key* is a raw 32-byte Ed25519 key. *kid* defaults to :func:`key_id_of` its public
    key (pass another to make a file that names an unknown key). ``iat`` is left out when
    *issued_at* is None. Times are whole Unix seconds (a naive datetime is UTC).
    *extra_claims* are added to the standard ones (JSON values).

    Raises:
        license_guard.crypto.CryptoError: a private key that is not 32 bytes.
        ValueError: an extra claim that reuses a standard claim's name.
    """
    from license_guard import crypto

    if kid is None:
        kid = key_id_of(crypto.ed25519_public_key(private_key))
    claims: dict[str, object] = {
        "type": "offline",
        "productId": product_id,
        "machineCode": machine_code,
        "sub": license_key,
        "exp": int(utc(expires_at).timestamp()),
    }
    if issued_at is not None:
        claims["iat"] = int(utc(issued_at).timestamp())
    if extra_claims:
        clash = STANDARD_CLAIMS.intersection(extra_claims)
        if clash:
            raise ValueError(f"extra claims may not replace {sorted(clash)}")
        claims.update(extra_claims)
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    signing_input = f"{_b64url(_compact_json(header))}.{_b64url(_compact_json(claims))}"
    signature = crypto.sign_ed25519(private_key, signing_input.encode("ascii"))
    return json.dumps({"signedKey": f"{signing_input}.{_b64url(signature)}"})


class SigningKey:
    """A raw Ed25519 private key and what derives from it: the public key, its ``kid`` and the
    ``.lic`` files it signs. The emulator and the vendor's relay both sign with one. Never shown
    in a repr or a log."""

    def __init__(self, private_key: bytes) -> None:
        from license_guard import crypto

        self._private = private_key
        #: The raw 32-byte public key.
        self.public_key = crypto.ed25519_public_key(private_key)
        #: The ``kid`` of every license it signs.
        self.kid = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key."""
        from license_guard import crypto

        private, _ = crypto.new_ed25519_key()
        return cls(private)

    @classmethod
    def from_file(cls, path: Path) -> SigningKey:
        """The key in a PKCS #8 PEM file.

        Raises:
            ConfigurationError: the file cannot be read or holds no unencrypted Ed25519 key.
        """
        from license_guard import crypto

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(
                f"Cannot read the signing key {path}: {type(exc).__name__}."
            ) from exc
        try:
            return cls(crypto.load_ed25519_private_pem(text))
        except crypto.CryptoError as exc:
            raise ConfigurationError(f"The signing key {path} is unusable: {exc}.") from exc

    @property
    def private_bytes(self) -> bytes:
        """The raw private key, for signing (and for the emulator's database)."""
        return self._private

    @property
    def private_pem(self) -> str:
        """The private key as PKCS #8 PEM, unencrypted."""
        from license_guard import crypto

        return crypto.ed25519_private_pem(self._private)

    @property
    def public_pem(self) -> str:
        """The SPKI PEM apps embed (``KeymintBackend(public_keys=[...])``)."""
        return public_key_pem(self.public_key)

    def sign(
        self,
        *,
        product_id: str,
        machine_code: str,
        license_key: str,
        expires_at: datetime,
        issued_at: datetime | None,
        extra_claims: Mapping[str, object] | None = None,
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
            extra_claims=extra_claims,
        )

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid})"
