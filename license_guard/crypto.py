"""The only module that imports ``cryptography``: a few verbs, safe by default.

* :func:`derive_key`: HKDF-SHA256, for keys bound to a device and a product.
* :func:`seal` / :func:`open_sealed`: AES-256-GCM with a random 96-bit nonce and associated data.
* :func:`verify_ed25519`: an Ed25519 signature check (Keygen's signed files, keys and responses).
* :func:`load_ed25519_pem` and :func:`ed25519_pem`: an Ed25519 public key in SPKI PEM (Keymint's
  offline licenses), as raw bytes and the SPKI DER its key id is a digest of; and back.
* :func:`load_ed25519_private_pem` and :func:`ed25519_private_pem`: an Ed25519 private key in
  PKCS #8 PEM (the relay's signing key file), as raw bytes; and back.
* :func:`decrypt_aes256gcm`: AES-256-GCM with an explicit nonce and tag (Keygen's ``enc`` format).
* :func:`new_ed25519_key`, :func:`ed25519_public_key`, :func:`sign_ed25519`,
  :func:`encrypt_aes256gcm`: the signing side of those formats, for the local Keygen and Keymint
  emulators (a real server keeps its key elsewhere).
* :func:`hmac_sha256` and :func:`sha256`: keyed and plain digests (the host ID, Keygen digests).

Digests come from ``cryptography`` too, not from :mod:`hashlib`: the standard library's OpenSSL
binding is a second copy of OpenSSL that would be loaded (and initialised) on every start.

Every failure raises :class:`CryptoError`, chained from the original; the caller turns it into the
right :class:`~license_guard.errors.LicenseError` at its own seam (a bad lease is a ``LeaseError``,
a bad response an ``InvalidResponseError``).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "CryptoError",
    "constant_time_equal",
    "decrypt_aes256gcm",
    "derive_key",
    "ed25519_pem",
    "ed25519_private_pem",
    "ed25519_public_key",
    "encrypt_aes256gcm",
    "hmac_sha256",
    "load_ed25519_pem",
    "load_ed25519_private_pem",
    "new_ed25519_key",
    "open_sealed",
    "seal",
    "sha256",
    "sign_ed25519",
    "verify_ed25519",
]

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16


class CryptoError(Exception):
    """A seal did not open, a signature did not verify, or key material was malformed."""


def derive_key(secret: bytes, *, salt: bytes, info: bytes) -> bytes:
    """Return a 32-byte key from *secret* with HKDF-SHA256 (RFC 5869)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=info).derive(secret)


def seal(key: bytes, plaintext: bytes, *, associated_data: bytes) -> bytes:
    """Encrypt and authenticate *plaintext*; returns ``nonce || ciphertext || tag``."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, blob: bytes, *, associated_data: bytes) -> bytes:
    """Reverse :func:`seal`.

    Raises:
        CryptoError: *blob* is too short, or was sealed under another key or associated data,
            or any byte of it was changed.
    """
    if len(blob) < NONCE_SIZE + TAG_SIZE:
        raise CryptoError("sealed data is truncated")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], associated_data)
    except InvalidTag as exc:
        raise CryptoError("sealed data failed authentication") from exc


def decrypt_aes256gcm(secret: bytes, *, ciphertext: bytes, nonce: bytes, tag: bytes) -> bytes:
    """Decrypt with AES-256-GCM under ``SHA-256(secret)`` and no associated data.

    Raises:
        CryptoError: the nonce or tag has the wrong size, or the tag does not verify.
    """
    if len(nonce) != NONCE_SIZE or len(tag) != TAG_SIZE:
        raise CryptoError("AES-GCM nonce must be 12 bytes and tag 16 bytes")
    try:
        return AESGCM(sha256(secret)).decrypt(nonce, ciphertext + tag, None)
    except InvalidTag as exc:
        raise CryptoError("encrypted data failed authentication") from exc


def encrypt_aes256gcm(secret: bytes, plaintext: bytes) -> tuple[bytes, bytes, bytes]:
    """Encrypt under ``SHA-256(secret)`` with a random nonce and no associated data; returns
    ``(ciphertext, nonce, tag)``, the reverse of :func:`decrypt_aes256gcm`."""
    nonce = os.urandom(NONCE_SIZE)
    sealed = AESGCM(sha256(secret)).encrypt(nonce, plaintext, None)
    return sealed[:-TAG_SIZE], nonce, sealed[-TAG_SIZE:]


def new_ed25519_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as raw bytes: ``(private 32 bytes, public 32 bytes)``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def sign_ed25519(private_key: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of *message* by the raw 32-byte *private_key*.

    Raises:
        CryptoError: the private key is not 32 bytes.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if len(private_key) != 32:
        raise CryptoError("an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)


def ed25519_public_key(private_key: bytes) -> bytes:
    """The raw 32-byte public key of the raw 32-byte Ed25519 *private_key*.

    Raises:
        CryptoError: the private key is not 32 bytes.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if len(private_key) != 32:
        raise CryptoError("an Ed25519 private key is 32 bytes")
    public = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check an Ed25519 *signature* of *message* by the 32-byte raw *public_key*.

    Raises:
        CryptoError: the key or signature is malformed, or the signature does not verify.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if len(public_key) != 32:
        raise CryptoError("an Ed25519 public key is 32 bytes")
    if len(signature) != 64:
        raise CryptoError("an Ed25519 signature is 64 bytes")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature as exc:
        raise CryptoError("signature does not verify") from exc


def load_ed25519_pem(pem: str) -> tuple[bytes, bytes]:
    """An Ed25519 public key in SPKI PEM as ``(raw 32 bytes, SPKI DER)``.

    Raises:
        CryptoError: not PEM text, not a public key, or not an Ed25519 one.
    """
    if not isinstance(pem, str):
        raise CryptoError("a PEM public key is text")
    der = _ed25519_spki_der(pem)
    if der is not None:
        return der[len(_ED25519_SPKI_PREFIX) :], der
    # Anything else (another algorithm, a damaged key) is named by cryptography's parser, whose
    # serialization package imports dataclasses and inspect (some 15 ms): not on a start's path.
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    try:
        key = load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CryptoError("not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CryptoError("not an Ed25519 public key")
    return (
        key.public_bytes(Encoding.Raw, PublicFormat.Raw),
        key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
    )


# The SPKI DER of every Ed25519 public key begins so (RFC 8410: SEQUENCE, the algorithm
# identifier 1.3.101.112, a BIT STRING of 33 bytes); the 32 raw key bytes follow.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PEM_PUBLIC_KEY = ("-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----")


def _ed25519_spki_der(pem: str) -> bytes | None:
    """The DER of *pem* when it is exactly one Ed25519 public key in SPKI PEM, else ``None``."""
    import base64
    import binascii

    lines = [line.strip() for line in pem.strip().splitlines()]
    if len(lines) < 3 or (lines[0], lines[-1]) != _PEM_PUBLIC_KEY:
        return None
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(der) != len(_ED25519_SPKI_PREFIX) + 32 or not der.startswith(_ED25519_SPKI_PREFIX):
        return None
    return der


def ed25519_pem(public_key: bytes) -> str:
    """The SPKI PEM text of a raw 32-byte Ed25519 public key (the reverse of
    :func:`load_ed25519_pem`).

    Raises:
        CryptoError: the key is not 32 bytes.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if len(public_key) != 32:
        raise CryptoError("an Ed25519 public key is 32 bytes")
    key = Ed25519PublicKey.from_public_bytes(public_key)
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_ed25519_private_pem(pem: str) -> bytes:
    """The raw 32-byte Ed25519 private key of an unencrypted PKCS #8 PEM text.

    Raises:
        CryptoError: not PEM text, encrypted, not a private key, or not an Ed25519 one.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        load_pem_private_key,
    )

    if not isinstance(pem, str):
        raise CryptoError("a PEM private key is text")
    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # The original text may quote key material: keep only its type.
        raise CryptoError(f"not an unencrypted PEM private key ({type(exc).__name__})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CryptoError("not an Ed25519 private key")
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def ed25519_private_pem(private_key: bytes) -> str:
    """The unencrypted PKCS #8 PEM text of a raw 32-byte Ed25519 private key.

    Raises:
        CryptoError: the key is not 32 bytes.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    if len(private_key) != 32:
        raise CryptoError("an Ed25519 private key is 32 bytes")
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")


def sha256(data: bytes) -> bytes:
    """The raw 32-byte SHA-256 digest of *data*."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """The raw 32-byte HMAC-SHA256 (RFC 2104) of *message* under *key*."""
    mac = HMAC(key, hashes.SHA256())
    mac.update(message)
    return mac.finalize()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets without leaking where they differ."""
    import hmac  # only signed Keygen data is compared; a start does not need hashlib's OpenSSL

    a_bytes = a.encode() if isinstance(a, str) else a
    b_bytes = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)
