"""The relay's signing key: an Ed25519 key in a PKCS #8 PEM file, and the public key apps embed.

Every process of one deployment reads the same file (a container secret); the key id rule is
Keymint's (:func:`license_guard.backends.keymint.signing.key_id_of`), so apps holding several
public keys pick the right one. To rotate: make a new key (``license-guard relay keygen``),
ship apps that embed both public keys, switch the relay to the new file, and drop the old
public key from a later release (docs/relay.md, "Rotating keys").
"""

from __future__ import annotations

import os
from pathlib import Path

from license_guard import crypto
from license_guard.backends.keymint.signing import key_id_of, public_key_pem
from license_guard.errors import ConfigurationError

__all__ = ["SigningKey", "public_key_path"]


class SigningKey:
    """A raw Ed25519 private key and what derives from it. Never shown in a repr or a log."""

    def __init__(self, private_key: bytes) -> None:
        self._private = private_key
        #: The raw 32-byte public key.
        self.public_key = crypto.ed25519_public_key(private_key)
        #: The ``kid`` of every license it signs.
        self.kid = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key."""
        private, _ = crypto.new_ed25519_key()
        return cls(private)

    @classmethod
    def from_file(cls, path: Path) -> SigningKey:
        """The key in a PKCS #8 PEM file.

        Raises:
            ConfigurationError: the file cannot be read or holds no unencrypted Ed25519 key.
        """
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

    def write(self, path: Path) -> Path:
        """Write the private key to *path* (a new file, owner-only) and the public key beside
        it (:func:`public_key_path`); returns the public key's path.

        Raises:
            ConfigurationError: *path* exists already, or cannot be written.
        """
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(crypto.ed25519_private_pem(self._private))
            public = public_key_path(path)
            public.write_text(self.public_pem, encoding="ascii")
        except FileExistsError as exc:
            raise ConfigurationError(f"{path} exists already; it was left as it is.") from exc
        except OSError as exc:
            raise ConfigurationError(f"Cannot write {path}: {exc.strerror}.") from exc
        return public

    @property
    def private_bytes(self) -> bytes:
        """The raw private key, for signing."""
        return self._private

    @property
    def public_pem(self) -> str:
        """The SPKI PEM apps embed (``KeymintBackend(public_keys=[...])``)."""
        return public_key_pem(self.public_key)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid})"


def public_key_path(private_path: Path) -> Path:
    """Where the public key of the key in *private_path* is written: ``<stem>.pub.pem``."""
    return private_path.with_name(private_path.stem + ".pub.pem")
