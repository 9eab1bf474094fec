"""Write Keygen-format artefacts with a throwaway Ed25519 key, the way Keygen's server does.

This is an independent writer (it uses ``cryptography`` directly, not license_guard.crypto) so
that a round trip through license_guard's reader proves the two agree on the format. It also
re-armours real files after an edit, for the tamper tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def armor(kind: str, envelope: dict[str, Any]) -> str:
    """Keygen's armour: compact JSON, MIME base64 at 60 columns, BEGIN/END lines."""
    encoded = b64(json.dumps(envelope, separators=(",", ":")).encode())
    lines = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    name = kind.upper()
    return f"-----BEGIN {name} FILE-----\n{lines}\n-----END {name} FILE-----\n"


def envelope_of(text: str) -> dict[str, Any]:
    """The ``{"enc", "sig", "alg"}`` document inside an armoured file (no checks at all)."""
    body = [line for line in text.strip().splitlines() if not line.startswith("-----")]
    document: dict[str, Any] = json.loads(base64.b64decode("".join(body)))
    return document


def timestamp(value: datetime) -> str:
    """Keygen's timestamp form: milliseconds and ``Z``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def file_meta(issued: datetime, ttl: timedelta | None) -> dict[str, Any]:
    expiry = None if ttl is None else timestamp(issued + ttl)
    seconds = None if ttl is None else int(ttl.total_seconds())
    return {"issued": timestamp(issued), "expiry": expiry, "ttl": seconds}


def license_document(
    license_key: str,
    *,
    issued: datetime,
    ttl: timedelta | None = timedelta(days=30),
    entitlements: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A license file payload with one included entitlement per code."""
    included = [
        {"id": f"ent-{code}", "type": "entitlements", "attributes": {"code": code}}
        for code in entitlements
    ]
    return {
        "data": {"id": "lic-1", "type": "licenses", "attributes": {"key": license_key}},
        "included": included,
        "meta": file_meta(issued, ttl),
    }


def machine_document(
    license_key: str,
    fingerprint: str,
    *,
    issued: datetime,
    include_license: bool = True,
    ttl: timedelta | None = timedelta(days=30),
) -> dict[str, Any]:
    """A machine file payload; with ``include=license`` unless told otherwise."""
    license_ = {"id": "lic-1", "type": "licenses", "attributes": {"key": license_key}}
    return {
        "data": {
            "id": "mach-1",
            "type": "machines",
            "attributes": {"fingerprint": fingerprint},
            "relationships": {"license": {"data": {"type": "licenses", "id": "lic-1"}}},
        },
        "included": [license_] if include_license else [],
        "meta": file_meta(issued, ttl),
    }


class Minter:
    """A fake Keygen account: its own Ed25519 key signs files, keys and responses."""

    def __init__(self) -> None:
        self._private = Ed25519PrivateKey.generate()
        raw = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key_hex = raw.hex()

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def file(
        self,
        kind: str,
        document: dict[str, Any] | bytes,
        *,
        secret: str,
        alg: str = "aes-256-gcm+ed25519",
    ) -> str:
        """A license or machine file; *secret* is the license key (+ fingerprint)."""
        plaintext = document if isinstance(document, bytes) else json.dumps(document).encode()
        if alg.startswith("aes-256-gcm+"):
            nonce = os.urandom(12)
            sealed = AESGCM(hashlib.sha256(secret.encode()).digest()).encrypt(
                nonce, plaintext, None
            )
            enc = f"{b64(sealed[:-16])}.{b64(nonce)}.{b64(sealed[-16:])}"
        else:
            enc = b64(plaintext)
        return self.signed_file(kind, enc, alg=alg)

    def signed_file(self, kind: str, enc: str, *, alg: str = "aes-256-gcm+ed25519") -> str:
        """Sign and armour *enc* as given, however malformed."""
        sig = b64(self.sign(f"{kind}/{enc}".encode()))
        return armor(kind, {"enc": enc, "sig": sig, "alg": alg})

    def signed_key(self, dataset: bytes, *, padded: bool = True) -> str:
        """An ED25519_SIGN key; Ruby keeps the base64url padding, other writers drop it."""
        encoded = base64.urlsafe_b64encode(dataset).decode()
        encoded = encoded if padded else encoded.rstrip("=")
        signature = base64.urlsafe_b64encode(self.sign(f"key/{encoded}".encode())).decode()
        return f"key/{encoded}.{signature}"

    def signed_headers(
        self,
        *,
        method: str,
        target: str,
        host: str,
        body: bytes,
        date: datetime | str,
        digest: str | None = None,
    ) -> dict[str, str]:
        """The Date, Digest and Keygen-Signature headers Keygen adds to a response.

        A *date* given as text and a *digest* are signed as they are, however malformed.
        """
        http_date = date if isinstance(date, str) else format_datetime(date, usegmt=True)
        digest = digest or f"sha-256={b64(hashlib.sha256(body).digest())}"
        signing_string = (
            f"(request-target): {method.lower()} {target}\nhost: {host}\n"
            f"date: {http_date}\ndigest: {digest}"
        )
        signature = b64(self.sign(signing_string.encode()))
        return {
            "Date": http_date,
            "Digest": digest,
            "Keygen-Signature": (
                f'keyid="acct-1", algorithm="ed25519", signature="{signature}", '
                'headers="(request-target) host date digest"'
            ),
        }
