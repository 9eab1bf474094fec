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

from license_guard.backends.keymint.signing import SigningKey
from license_guard.errors import ConfigurationError

__all__ = ["SigningKey", "public_key_path", "write_key"]


def write_key(key: SigningKey, path: Path) -> Path:
    """Write *key* to *path* (a new file, owner-only) and its public key beside it
    (:func:`public_key_path`); returns the public key's path.

    Raises:
        ConfigurationError: *path* exists already, or cannot be written.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.private_pem)
        public = public_key_path(path)
        public.write_text(key.public_pem, encoding="ascii")
    except FileExistsError as exc:
        raise ConfigurationError(f"{path} exists already; it was left as it is.") from exc
    except OSError as exc:
        raise ConfigurationError(f"Cannot write {path}: {exc.strerror}.") from exc
    return public


def public_key_path(private_path: Path) -> Path:
    """Where the public key of the key in *private_path* is written: ``<stem>.pub.pem``."""
    return private_path.with_name(private_path.stem + ".pub.pem")
