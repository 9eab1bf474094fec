"""A Keygen account's Ed25519 public key, as the Keygen dashboard shows it: 64 hex characters."""

from __future__ import annotations

import re

from license_guard._record import Record
from license_guard.errors import ConfigurationError

__all__ = ["PublicKey"]

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


class PublicKey(Record):
    """The 32 raw bytes of an Ed25519 public key; build it with :meth:`from_hex`."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != 32:
            raise ConfigurationError("A Keygen Ed25519 public key is exactly 32 bytes.")

    @classmethod
    def from_hex(cls, text: str) -> PublicKey:
        """Parse the hex form (surrounding whitespace is ignored, either letter case).

        Raises:
            ConfigurationError: *text* is not 64 hexadecimal characters.
        """
        stripped = text.strip() if isinstance(text, str) else ""
        if not _HEX_KEY.fullmatch(stripped):
            raise ConfigurationError(
                "The Keygen public key must be the account's Ed25519 verify key as 64 hex "
                "characters (Keygen dashboard, Settings, Public keys, Ed25519)."
            )
        return cls(bytes.fromhex(stripped))

    @classmethod
    def coerce(cls, value: PublicKey | str) -> PublicKey:
        """Return *value* itself, or parse it with :meth:`from_hex` when it is text.

        Raises:
            ConfigurationError: *value* is neither a :class:`PublicKey` nor a valid hex key.
        """
        return value if isinstance(value, PublicKey) else cls.from_hex(value)

    @property
    def hex(self) -> str:
        """The lower-case hex form."""
        return self.raw.hex()

    def __repr__(self) -> str:
        return f"PublicKey.from_hex({self.hex!r})"
