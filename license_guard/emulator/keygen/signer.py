"""The emulated account's Ed25519 key: it signs responses, license and machine files, and keys.

Formats are those of keygen-api.md (sections 6 to 8) and ``docs/keygen-formats.md``; the client
side that verifies them is :mod:`license_guard.keygen`. ``license_guard.crypto`` (and so
``cryptography``) is imported when the first key is made, never when the emulator is imported.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from license_guard.emulator.dates import http_date

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["AccountKey"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class AccountKey:
    """A Keygen account's signing key, made fresh for each emulator."""

    def __init__(self, account_id: str) -> None:
        from license_guard import crypto

        self.account_id = account_id
        self._private, public = crypto.new_ed25519_key()
        #: The verify key as the Keygen dashboard shows it: 64 hex characters.
        self.public_key = public.hex()

    def __repr__(self) -> str:
        return f"AccountKey(account={self.account_id}, public_key={self.public_key})"

    def sign(self, message: bytes) -> bytes:
        """The raw Ed25519 signature of *message*."""
        from license_guard import crypto

        return crypto.sign_ed25519(self._private, message)

    def response_headers(
        self, *, method: str, target: str, host: str, date: datetime, body: bytes
    ) -> list[tuple[str, str]]:
        """``Date``, ``Digest`` and ``Keygen-Signature`` (and the debug copies Keygen adds) for a
        response to ``method target`` sent to *host* (no port)."""
        http_day = http_date(date)
        digest = "sha-256=" + _b64(hashlib.sha256(body).digest())
        signing_string = "\n".join(
            (
                f"(request-target): {method.lower()} {target}",
                f"host: {host}",
                f"date: {http_day}",
                f"digest: {digest}",
            )
        )
        signature = _b64(self.sign(signing_string.encode("utf-8")))
        return [
            ("Date", http_day),
            ("Digest", digest),
            (
                "Keygen-Signature",
                f'keyid="{self.account_id}", algorithm="ed25519", signature="{signature}", '
                'headers="(request-target) host date digest"',
            ),
            ("Keygen-Date", http_day),
            ("Keygen-Digest", digest),
        ]

    def certificate(self, kind: str, dataset: dict[str, Any], *, secret: str | None) -> str:
        """A ``-----BEGIN LICENSE FILE-----`` (*kind* ``"license"``) or machine file.

        With a *secret* (license key, plus fingerprint for a machine file) the dataset is
        encrypted (``aes-256-gcm+ed25519``), else only encoded (``base64+ed25519``).
        """
        from license_guard import crypto

        plaintext = json.dumps(dataset, separators=(",", ":")).encode()
        if secret is None:
            enc, algorithm = _b64(plaintext), "base64+ed25519"
        else:
            ciphertext, nonce, tag = crypto.encrypt_aes256gcm(secret.encode(), plaintext)
            enc = ".".join(_b64(part) for part in (ciphertext, nonce, tag))
            algorithm = "aes-256-gcm+ed25519"
        sig = _b64(self.sign(f"{kind}/{enc}".encode("ascii")))
        document = json.dumps({"enc": enc, "sig": sig, "alg": algorithm}, separators=(",", ":"))
        encoded = _b64(document.encode())
        # Ruby's Base64.encode64: a newline every 60 characters, the last one chomped.
        lines = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
        name = kind.upper()
        return f"-----BEGIN {name} FILE-----\n{lines}\n-----END {name} FILE-----\n"

    def signed_key(self, dataset: dict[str, Any]) -> str:
        """An ``ED25519_SIGN`` license key: ``key/<base64url dataset>.<base64url signature>``,
        padding kept as Ruby's ``urlsafe_encode64`` does."""
        encoded = base64.urlsafe_b64encode(json.dumps(dataset).encode()).decode("ascii")
        signature = base64.urlsafe_b64encode(self.sign(f"key/{encoded}".encode("ascii")))
        return f"key/{encoded}.{signature.decode('ascii')}"
