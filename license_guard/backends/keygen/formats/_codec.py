"""Strict decoders for the text encodings Keygen uses (base64, base64url, JSON).

Each decoder accepts exactly what Keygen emits and raises :class:`ValueError` for anything else;
the calling module turns that into the right :class:`~license_guard.errors.LicenseError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

__all__ = ["decode_base64", "decode_base64url", "loads_json_object"]

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


def decode_base64(text: str) -> bytes:
    """Decode canonical, padded standard base64 without whitespace (Ruby's ``strict_encode64``).

    Non-canonical spellings (padding bits set, missing ``=``) are refused: otherwise two texts
    would decode to the same signature, and "one changed character" would go unnoticed.

    Raises:
        ValueError: *text* is not canonical standard base64.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not valid base64 ({exc})") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def decode_base64url(text: str) -> bytes:
    """Decode base64url with or without its ``=`` padding (Ruby keeps it, other tools drop it).

    Raises:
        ValueError: *text* uses characters outside the base64url alphabet, or is not canonical.
    """
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not valid base64url")
    unpadded = text.rstrip("=")
    padded = unpadded + "=" * (-len(unpadded) % 4)
    if text not in (unpadded, padded):
        raise ValueError("wrong base64url padding")
    try:
        raw = base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not valid base64url ({exc})") from exc
    if base64.urlsafe_b64encode(raw).decode("ascii") != padded:
        raise ValueError("not canonical base64url")
    return raw


def loads_json_object(raw: bytes) -> dict[str, Any]:
    """Parse UTF-8 JSON whose top level is an object with no repeated key.

    A repeated key is refused because two readers could pick different values for it.

    Raises:
        ValueError: *raw* is not UTF-8, not JSON, not an object, or repeats a key.
    """
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        # Only the class name: the message of a decode error may quote the (secret) plaintext.
        raise ValueError(f"not valid JSON ({exc.__class__.__name__})") from exc
    if not isinstance(value, dict):
        raise ValueError("JSON is not an object")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"JSON repeats the key {key!r}")
        result[key] = value
    return result
