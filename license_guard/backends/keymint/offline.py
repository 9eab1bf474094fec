"""Keymint's signed offline license (``.lic``), verified without the network.

A ``.lic`` is an Ed25519-signed JWT, alone or as the ``signedKey`` of a JSON object. Its claims
say which license key (``sub``), product (``productId``) and computer (``machineCode``, the
host ID it was signed for) it vouches for, until when (``exp``). :func:`read_offline_license`
runs the checks of Keymint's SDK (``keymint.verify_offline_license`` 2.7.0) in the SDK's order,
with one deliberate difference: the payload is decoded only after its signature verifies (the
SDK decodes it first), so nothing unsigned is ever read as claims. The verdict differs only for
a file that is both unsigned and unreadable: the SDK says ``malformed``, this module the
signature check's reason; both are the same :class:`~license_guard.errors.OfflineLicenseError`.

=====================  ===============================================================
SDK code               error here
=====================  ===============================================================
malformed              ``OfflineLicenseError(reason="malformed")``
unsupported_algorithm  ``OfflineLicenseError(reason="unsupported_algorithm")``
unknown_key            ``OfflineLicenseError(reason="unknown_key")``
bad_signature          ``OfflineLicenseError(reason="bad_signature")``
wrong_type             ``OfflineLicenseError(reason="wrong_type")``
wrong_product          ``OfflineLicenseProductError(reason="wrong_product")``
wrong_machine          ``OfflineLicenseMachineError(reason="wrong_machine")``
expired                ``LicenseExpiredError`` (a denial, with ``expired_at``)
=====================  ===============================================================

Every ``OfflineLicenseError`` is a :class:`~license_guard.errors.LeaseError`: the proof cannot
be trusted here. The signature is checked through :mod:`license_guard.crypto`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from license_guard import crypto
from license_guard._record import Record, field
from license_guard.errors import (
    ConfigurationError,
    LicenseExpiredError,
    OfflineLicenseError,
    OfflineLicenseMachineError,
    OfflineLicenseProductError,
)

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "OfflineLicense",
    "TrustedKeys",
    "key_id",
    "read_offline_license",
    "verify_offline_license",
]

#: Seconds a license is still accepted after its ``exp`` (the SDK's default).
DEFAULT_CLOCK_SKEW = 60
MAX_CLOCK_SKEW = 3600

# What JavaScript's String.prototype.trim removes: the SDKs accept the same inputs.
_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_MESSAGES = {
    "malformed": "This is not a Keymint offline license file: it cannot be read.",
    "unsupported_algorithm": "This offline license is signed in a way Keymint does not sign.",
    "unknown_key": "This offline license was not signed by a key this app trusts.",
    "bad_signature": "This offline license's signature is not genuine: it was altered.",
    "wrong_type": "This signed file is not an offline license.",
    "wrong_product": "This offline license is for another product. Ask the vendor for one for "
    "this app.",
    "wrong_machine": "This offline license was made for another computer. Ask the vendor for "
    "one for this computer's host ID.",
}
_CLASSES: dict[str, type[OfflineLicenseError]] = {
    "wrong_product": OfflineLicenseProductError,
    "wrong_machine": OfflineLicenseMachineError,
}


class OfflineLicense(Record):
    """A verified offline license. Times are aware UTC.

    ``claims`` holds every claim of the verified token, those the SDK does not read included
    (the vendor relay's ``nonce`` and license facts; see :mod:`.relay_api`).
    """

    license_key: str = field(repr=False)
    product_id: str
    machine_code: str
    key_id: str
    issued_at: datetime | None
    expires_at: datetime
    claims: Mapping[str, Any] | None = field(default=None, repr=False)


class TrustedKeys:
    """The public keys a ``.lic`` may be signed with, by key id (``kid``).

    Raises:
        ConfigurationError: no key, or one that is not an Ed25519 public key in PEM.
    """

    def __init__(self, public_keys: Sequence[str]) -> None:
        if isinstance(public_keys, (str, bytes)):
            raise ConfigurationError("public_keys must be a list of PEM texts, not one text.")
        self._keys: dict[str, bytes] = {}
        for index, pem in enumerate(public_keys):
            try:
                raw, der = crypto.load_ed25519_pem(pem)
            except crypto.CryptoError as exc:
                raise ConfigurationError(
                    f"public_keys[{index}] is not an Ed25519 public key in PEM: {exc}."
                ) from exc
            self._keys[key_id(der)] = raw
        if not self._keys:
            raise ConfigurationError("public_keys must hold at least one key.")

    def get(self, kid: object) -> bytes | None:
        """The raw key named *kid*, or None."""
        return self._keys.get(kid) if isinstance(kid, str) else None

    def __repr__(self) -> str:
        return f"TrustedKeys({sorted(self._keys)!r})"


def key_id(spki_der: bytes) -> str:
    """A key's ``kid``: base64url without padding of SHA-256 over its SPKI DER."""
    return base64.urlsafe_b64encode(crypto.sha256(spki_der)).rstrip(b"=").decode("ascii")


def verify_offline_license(
    text: str,
    *,
    public_keys: Sequence[str],
    product_id: str,
    machine_code: str,
    now: datetime,
    clock_skew: float = DEFAULT_CLOCK_SKEW,
) -> OfflineLicense:
    """Verify *text* (a ``.lic`` or a bare token) for this product and computer at *now*.

    Raises:
        ConfigurationError: a bad public key, an empty product or machine code, a naive
            *now*, or a clock skew outside 0..3600 seconds.
        OfflineLicenseError: the file cannot be trusted (``reason`` says why; see the module).
        LicenseExpiredError: it has expired.
    """
    return read_offline_license(
        text,
        keys=TrustedKeys(public_keys),
        product_id=product_id,
        machine_code=machine_code,
        now=now,
        clock_skew=clock_skew,
    )


def read_offline_license(
    text: str,
    *,
    keys: TrustedKeys,
    product_id: str,
    machine_code: str,
    now: datetime | None,
    clock_skew: float = DEFAULT_CLOCK_SKEW,
) -> OfflineLicense:
    """:func:`verify_offline_license` with keys loaded once; *now* None skips the expiry
    check (for a lease, whose expiry the guard's policy judges).

    Raises:
        ConfigurationError, OfflineLicenseError, LicenseExpiredError: as
            :func:`verify_offline_license`.
    """
    _check_arguments(product_id, machine_code, now, clock_skew)
    header_b64, payload_b64, signature_b64 = _segments(text)
    header = _json_object(header_b64)
    if header is None:
        raise _rejected("malformed")
    # 2. the algorithm; 3. the key; 4. the signature over the segments as received.
    if header.get("alg") != "EdDSA" or "crit" in header:
        raise _rejected("unsupported_algorithm")
    kid = header.get("kid")
    public_key = keys.get(kid)
    if public_key is None or not isinstance(kid, str):
        raise _rejected("unknown_key")
    signature = _b64url(signature_b64)
    if signature is None or len(signature) != 64:
        raise _rejected("bad_signature")
    try:
        crypto.verify_ed25519(public_key, f"{header_b64}.{payload_b64}".encode("ascii"), signature)
    except crypto.CryptoError as exc:
        raise _rejected("bad_signature") from exc
    # Signed: now the claims may be read. 5-7. type, product, machine, compared exactly.
    claims = _json_object(payload_b64)
    if claims is None:
        raise _rejected("malformed")
    if claims.get("type") != "offline":
        raise _rejected("wrong_type")
    if claims.get("productId") != product_id:
        raise _rejected("wrong_product")
    if claims.get("machineCode") != machine_code:
        raise _rejected("wrong_machine")
    # 8. the remaining claims' shapes; 9. the expiry.
    exp: Any = claims.get("exp")  # a finite, representable number once _instant accepts it
    sub, iat = claims.get("sub"), claims.get("iat")
    expires_at = _instant(exp)
    if expires_at is None or not isinstance(sub, str) or not sub:
        raise _rejected("malformed")
    if now is not None and not now.timestamp() < exp + clock_skew:
        raise LicenseExpiredError(
            f"This offline license expired on {expires_at:%Y-%m-%d %H:%M} UTC. Ask the vendor "
            "for a new one.",
            expired_at=expires_at,
        )
    return OfflineLicense(
        license_key=sub,
        product_id=product_id,
        machine_code=machine_code,
        key_id=kid,
        issued_at=_instant(iat),
        expires_at=expires_at,
        claims=claims,
    )


def _segments(text: object) -> tuple[str, str, str]:
    """Step 1: the token of a ``.lic`` (JSON with ``signedKey``) or a bare token, as three
    base64url segments."""
    if not isinstance(text, str):
        raise _rejected("malformed")
    token = text.strip(_WHITESPACE)
    if token.startswith("{"):
        wrapper = _json(token)
        if not isinstance(wrapper, dict) or not isinstance(wrapper.get("signedKey"), str):
            raise _rejected("malformed")
        token = wrapper["signedKey"]
    parts = token.split(".")
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(part) for part in parts):
        raise _rejected("malformed")
    return parts[0], parts[1], parts[2]


def _check_arguments(
    product_id: object, machine_code: object, now: datetime | None, clock_skew: object
) -> None:
    if not isinstance(product_id, str) or not product_id:
        raise ConfigurationError("Checking an offline license needs the product id.")
    if not isinstance(machine_code, str) or not machine_code:
        raise ConfigurationError("Checking an offline license needs this computer's host ID.")
    if now is not None and (not isinstance(now, datetime) or now.utcoffset() is None):
        raise ConfigurationError("The time to check an offline license at must be aware.")
    if (
        not isinstance(clock_skew, (int, float))
        or isinstance(clock_skew, bool)
        or not 0 <= clock_skew <= MAX_CLOCK_SKEW
    ):
        raise ConfigurationError(f"clock_skew must be 0 to {MAX_CLOCK_SKEW} seconds.")


def _rejected(reason: str) -> OfflineLicenseError:
    return _CLASSES.get(reason, OfflineLicenseError)(_MESSAGES[reason], reason=reason)


def _b64url(segment: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON has no {name}")


def _json(text: str) -> Any:
    """JSON as JavaScript's JSON.parse reads it (no NaN or Infinity); _rejected on failure."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise _rejected("malformed") from exc


def _json_object(segment: str) -> dict[str, Any] | None:
    raw = _b64url(segment)
    if raw is None:
        return None
    try:
        value = _json(raw.decode("utf-8", errors="replace"))
    except OfflineLicenseError:
        return None
    return value if isinstance(value, dict) else None


def _instant(value: object) -> datetime | None:
    """Unix seconds as aware UTC; None for anything else, infinite or out of range."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:  # an integer too large for a float overflows in isfinite already
        if not math.isfinite(value):
            return None
        return _EPOCH + timedelta(seconds=value)
    except (OverflowError, ValueError):
        return None
