"""The real Keygen test vectors, read from their manifests so that a new entry is picked up.

They live outside the repository, beside it: ``<project>/../shared/keygen-vectors``.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "keygen-vectors"


def _manifest(name: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return entries


def _params(entries: list[dict[str, Any]], key: str) -> list[Any]:
    return [pytest.param(entry, id=entry[key]) for entry in entries]


FILE_ENTRIES = _manifest("manifest_files.json")
KEY_ENTRIES = _manifest("manifest_signed_keys.json")
MESSAGE_ENTRIES = _manifest("manifest_response_signatures.json")

#: Every license and machine file (the keygen-go ones can only be checked for their signature).
FILES = _params(FILE_ENTRIES, "file")
#: The files whose license key (and fingerprint) is known, so that they decrypt.
DECRYPTABLE = _params([e for e in FILE_ENTRIES if e["aes_secret"] is not None], "file")
MACHINE_FILES = _params(
    [e for e in FILE_ENTRIES if e["kind"] == "machine" and e["aes_secret"] is not None], "file"
)
EXPIRING = _params(
    [e for e in FILE_ENTRIES if e["aes_secret"] and e["expect_meta"]["expiry"]], "file"
)
NEVER_EXPIRING = _params(
    [e for e in FILE_ENTRIES if e["aes_secret"] and e["expect_meta"]["ttl"] is None], "file"
)
SIGNED_KEYS = _params(KEY_ENTRIES, "file")
MESSAGES = _params(MESSAGE_ENTRIES, "body")
RESPONSES = _params([e for e in MESSAGE_ENTRIES if e["kind"] == "api-response"], "body")
WEBHOOKS = _params([e for e in MESSAGE_ENTRIES if e["kind"] == "webhook-request"], "body")


def read_text(relative: str) -> str:
    """A vector file's text exactly as stored (no newline translation)."""
    return (VECTORS / relative).read_bytes().decode("ascii")


def read_key(relative: str) -> str:
    """A ``.key`` file holds one key and a newline."""
    return read_text(relative).rstrip("\n")


def recorded_headers(entry: dict[str, Any]) -> dict[str, str]:
    """The signed message's headers as recorded in its ``.headers.txt`` (``#`` lines are notes;
    a webhook's file starts with its request line)."""
    path = VECTORS / entry["body"].replace(".body.json", ".headers.txt")
    headers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, colon, value = line.partition(": ")
        if line.startswith("#") or not colon or " " in name:
            continue
        headers[name] = value
    return headers


def message_date(entry: dict[str, Any]) -> datetime:
    """The message's own ``Date``, as an aware datetime (used as "now")."""
    return parsedate_to_datetime(entry["date"])


def _public_keys() -> dict[str, str]:
    """``public_keys.txt``: account name to Ed25519 public key (hex)."""
    keys = {}
    for line in (VECTORS / "public_keys.txt").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(".ed25519_public_key_hex=")
        if value and not line.startswith("#"):
            keys[name] = value.strip()
    return keys


PUBLIC_KEYS = _public_keys()


def other_public_key(public_key_hex: str) -> str:
    """A real Keygen account key that is not *public_key_hex*."""
    return next(key for key in PUBLIC_KEYS.values() if key != public_key_hex)
