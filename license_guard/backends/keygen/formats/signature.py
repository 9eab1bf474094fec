"""Signed HTTP messages: Keygen's API responses and webhook requests.

Keygen signs ``(request-target)``, ``host``, ``date`` and ``digest`` (HTTP Signatures draft):

    Date: Wed, 15 Jun 2022 18:52:14 GMT
    Digest: sha-256=<base64 of SHA-256(body)>
    Keygen-Signature: keyid="<account>", algorithm="ed25519", signature="<base64>",
                      headers="(request-target) host date digest"

The signing string joins ``name: value`` lines with ``\\n`` in the order ``headers`` names them;
``(request-target)`` is the lower-case method, a space and the path with its query exactly as
sent. Checks, in order: the headers are there; the algorithm is ed25519 and the four parts are
covered; the Ed25519 signature; the body against the signed digest; the signed date against
*now* (an old date means a replayed message). Each failure is an
:class:`~license_guard.errors.InvalidResponseError` with its own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from license_guard import crypto
from license_guard._record import Record, field
from license_guard.backends.keygen.formats._codec import decode_base64
from license_guard.backends.keygen.formats.public_key import PublicKey
from license_guard.backends.keygen.formats.verified_file import MAX_CLOCK_DRIFT
from license_guard.clock import utc
from license_guard.errors import ConfigurationError, InvalidResponseError

__all__ = ["REQUIRED_SIGNED_PARTS", "SignedMessage", "verify_response", "verify_webhook"]

#: What a Keygen signature must cover for the message to be tied to its request and body.
REQUIRED_SIGNED_PARTS = ("(request-target)", "host", "date", "digest")


class SignedMessage(Record):
    """What a verified message proves: which account key signed it, and when (server time)."""

    key_id: str | None
    date: datetime
    signing_string: str = field(repr=False)


def verify_response(
    *,
    method: str,
    target: str,
    host: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key: PublicKey | str,
    now: datetime,
    tolerance: timedelta = MAX_CLOCK_DRIFT,
) -> SignedMessage:
    """Verify a Keygen API response to the request ``method target`` sent to *host*.

    *target* is the request's path and query exactly as sent (percent-encoding kept), *host*
    the request host without port, *headers* the response headers (any letter case), *body*
    the raw response bytes and *now* this device's current time.

    Raises:
        ConfigurationError: *public_key* is not a valid hex key, or *target* is not a path.
        InvalidResponseError: a header is missing or malformed, the algorithm is not ed25519,
            the signature is not genuine, the body does not match its digest, or the date is
            more than *tolerance* before *now*.
    """
    return _verify("response", method, target, host, headers, body, public_key, now, tolerance)


def verify_webhook(
    *,
    method: str,
    target: str,
    host: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key: PublicKey | str,
    now: datetime,
    tolerance: timedelta = MAX_CLOCK_DRIFT,
) -> SignedMessage:
    """Verify a webhook request Keygen sent to this server: *method* and *target* (path and
    query) as received, *host* from its ``Host`` header without port, its *headers* and raw
    *body*. Same checks and errors as :func:`verify_response`."""
    return _verify(
        "webhook request", method, target, host, headers, body, public_key, now, tolerance
    )


def _verify(  # noqa: PLR0917 -- private; both public callers pass everything by keyword
    subject: str,
    method: str,
    target: str,
    host: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key: PublicKey | str,
    now: datetime,
    tolerance: timedelta,
) -> SignedMessage:
    key = PublicKey.coerce(public_key)
    if not target.startswith("/"):
        raise ConfigurationError("The request target must be the path (and query) as sent.")
    found = _lower_case(subject, headers)
    if "keygen-signature" not in found:
        raise InvalidResponseError(f"The {subject} has no Keygen-Signature header: it is unsigned.")
    params = _signature_params(subject, found["keygen-signature"])
    for name in ("digest", "date"):
        if name not in found:
            raise InvalidResponseError(f"The {subject} has no {name.title()} header to check.")
    lines = []
    for part in params["headers"].split():
        if part == "(request-target)":
            lines.append(f"{part}: {method.lower()} {target}")
        elif part == "host":
            lines.append(f"host: {host}")
        elif part in found:
            lines.append(f"{part}: {found[part]}")
        else:
            raise InvalidResponseError(f"The {subject} lacks the signed header {part!r}.")
    signing_string = "\n".join(lines)
    try:
        signature = decode_base64(params["signature"])
        crypto.verify_ed25519(key.raw, signing_string.encode("utf-8"), signature)
    except (ValueError, crypto.CryptoError) as exc:
        raise InvalidResponseError(
            f"The {subject}'s signature is not genuine: it was not signed with the Keygen "
            "account's key for this request, host, date and digest."
        ) from exc
    _check_digest(subject, found["digest"], body)
    date = _signed_date(subject, found["date"])
    if utc(now) - date > tolerance:
        raise InvalidResponseError(
            f"The {subject} is stale: it is dated {date:%Y-%m-%d %H:%M:%S} UTC, more than "
            f"{tolerance.total_seconds():g} seconds before this device's clock "
            f"({utc(now):%Y-%m-%d %H:%M:%S} UTC). It may be replayed, or this device's clock is "
            "wrong."
        )
    return SignedMessage(key_id=params.get("keyid"), date=date, signing_string=signing_string)


def _lower_case(subject: str, headers: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        # Two spellings of one header with different values: which one was signed is unclear.
        if found.get(lowered, value) != value:
            raise InvalidResponseError(f"The {subject} repeats the {name} header.")
        found[lowered] = value
    return found


def _signature_params(subject: str, value: str) -> dict[str, str]:
    """Parse ``keyid="…", algorithm="ed25519", signature="…", headers="…"``."""
    params: dict[str, str] = {}
    for item in value.split(","):
        name, equals, raw = item.strip().partition("=")
        name = name.strip().lower()
        if not equals or not name or name in params:
            raise InvalidResponseError(f"The {subject}'s Keygen-Signature header is malformed.")
        params[name] = raw.strip().removeprefix('"').removesuffix('"')
    if "signature" not in params:
        raise InvalidResponseError(f"The {subject}'s Keygen-Signature header has no signature.")
    algorithm = params.get("algorithm", "")
    if algorithm.lower() != "ed25519":
        raise InvalidResponseError(
            f"The {subject} is signed with an unsupported algorithm {algorithm[:40]!r}: "
            "license_guard verifies ed25519 only."
        )
    # Keygen always names the headers; the draft's default would cover only the date.
    covered = params.setdefault("headers", " ".join(REQUIRED_SIGNED_PARTS)).split()
    missing = [part for part in REQUIRED_SIGNED_PARTS if part not in covered]
    if missing or len(set(covered)) != len(covered):
        raise InvalidResponseError(
            f"The {subject}'s signature does not cover exactly once each of "
            f"{', '.join(REQUIRED_SIGNED_PARTS)}."
        )
    return params


def _check_digest(subject: str, header: str, body: bytes) -> None:
    algorithm, _, encoded = header.partition("=")
    if algorithm.strip().lower() != "sha-256":
        raise InvalidResponseError(
            f"The {subject}'s Digest header uses an unsupported algorithm {algorithm[:20]!r}."
        )
    try:
        expected = decode_base64(encoded.strip())
    except ValueError as exc:
        raise InvalidResponseError(f"The {subject}'s Digest header is malformed.") from exc
    if not crypto.constant_time_equal(expected, crypto.sha256(body)):
        raise InvalidResponseError(
            f"The {subject}'s body does not match its signed Digest: it was altered on the way."
        )


def _signed_date(subject: str, header: str) -> datetime:
    try:
        date = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise InvalidResponseError(f"The {subject}'s Date header is malformed.") from exc
    if date.tzinfo is None:
        raise InvalidResponseError(f"The {subject}'s Date header has no time zone.")
    return utc(date)
