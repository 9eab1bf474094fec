"""Real signed API responses and a real signed webhook verify; every alteration is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from license_guard.errors import ConfigurationError, InvalidResponseError
from license_guard.keygen import SignedMessage, verify_response, verify_webhook

from .minting import Minter
from .vectors import (
    MESSAGES,
    RESPONSES,
    VECTORS,
    WEBHOOKS,
    message_date,
    other_public_key,
    recorded_headers,
)


def _verify(entry: dict[str, Any], **changes: Any) -> SignedMessage:
    """Verify *entry* as recorded, with any argument replaced by *changes*."""
    arguments: dict[str, Any] = {
        "method": entry["method"],
        "target": entry["request_target"],
        "host": entry["host"],
        "headers": recorded_headers(entry),
        "body": (VECTORS / entry["body"]).read_bytes(),
        "public_key": entry["public_key_hex"],
        "now": message_date(entry),
    }
    arguments.update(changes)
    check = verify_webhook if entry["kind"] == "webhook-request" else verify_response
    return check(**arguments)


def _headers(entry: dict[str, Any], **changes: str | None) -> dict[str, str]:
    """The recorded headers with some replaced (keyword = lower-case name with _) or removed."""
    headers = {name.lower(): value for name, value in recorded_headers(entry).items()}
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key)
        else:
            headers[key] = value
    return headers


@pytest.mark.parametrize("entry", MESSAGES)
def test_message_verifies_and_its_signing_string_is_keygen_s(entry: dict[str, Any]) -> None:
    assert entry["expect_signature_valid"]
    assert entry["expect_digest_valid"]
    headers = recorded_headers(entry)
    assert {name.lower(): value for name, value in headers.items()} == {
        "date": entry["date"],
        "digest": entry["digest"],
        "keygen-signature": entry["keygen_signature"],
    }
    verified = _verify(entry)
    assert verified.signing_string == entry["signing_string"]
    assert verified.date == message_date(entry)
    assert verified.key_id in entry["keygen_signature"]


@pytest.mark.parametrize("entry", MESSAGES)
def test_method_case_and_header_name_case_do_not_matter(entry: dict[str, Any]) -> None:
    upper = {name.upper(): value for name, value in recorded_headers(entry).items()}
    assert _verify(entry, method=entry["method"].upper(), headers=upper).date == message_date(entry)
    assert _verify(entry, headers=httpx.Headers(upper)).date == message_date(entry)


@pytest.mark.parametrize("entry", MESSAGES)
def test_a_date_up_to_the_tolerance_old_is_fresh_and_older_is_stale(entry: dict[str, Any]) -> None:
    date = message_date(entry)
    _verify(entry, now=date + timedelta(minutes=5))
    _verify(entry, now=date - timedelta(days=1))  # a date ahead of this clock is not a replay
    with pytest.raises(InvalidResponseError, match="stale"):
        _verify(entry, now=date + timedelta(minutes=5, seconds=1))
    with pytest.raises(InvalidResponseError, match="stale"):
        _verify(entry, now=datetime.now(timezone.utc))
    _verify(entry, now=date + timedelta(hours=1), tolerance=timedelta(hours=2))


@pytest.mark.parametrize("entry", MESSAGES)
def test_a_changed_body_does_not_match_its_digest(entry: dict[str, Any]) -> None:
    body = (VECTORS / entry["body"]).read_bytes()
    for edited in (body + b"\n", body[:-1], body.replace(b'"', b"'", 1), b""):
        with pytest.raises(InvalidResponseError, match="does not match its signed Digest"):
            _verify(entry, body=edited)


def test_the_published_hand_edited_body_is_refused() -> None:
    # index.md: the published list-licenses body had '"requireHeartbeat": false,' inserted by
    # hand after it was signed. Putting such an edit back must fail the digest.
    entry = next(p.values[0] for p in RESPONSES if "list_licenses" in p.values[0]["body"])
    body = (VECTORS / entry["body"]).read_bytes()
    assert b"requireHeartbeat" not in body
    edited = body.replace(b'"requireCheckIn"', b'"requireHeartbeat": false,"requireCheckIn"', 1)
    assert edited != body
    with pytest.raises(InvalidResponseError, match="does not match its signed Digest"):
        _verify(entry, body=edited)


@pytest.mark.parametrize("entry", MESSAGES)
def test_the_wrong_request_line_or_host_is_not_genuine(entry: dict[str, Any]) -> None:
    target = entry["request_target"]
    wrong: list[dict[str, Any]] = [
        {"host": "api.keygen.example"},
        {"host": entry["host"] + ":443"},
        {"host": entry["host"].upper()},
        {"target": target + "/"},
        {"target": target + "?x=1"},
        {"target": "/v2" + target},
        {"method": "put" if entry["method"] != "put" else "get"},
    ]
    for changes in wrong:
        with pytest.raises(InvalidResponseError, match="not genuine"):
            _verify(entry, **changes)


@pytest.mark.parametrize("entry", MESSAGES)
def test_altered_headers_are_not_genuine(entry: dict[str, Any]) -> None:
    date = message_date(entry)
    later = date + timedelta(seconds=1)
    signature = entry["keygen_signature"]
    value = signature.split('signature="')[1].split('"')[0]
    flipped = ("B" if value[0] == "A" else "A") + value[1:]
    altered = [
        _headers(entry, date=later.strftime("%a, %d %b %Y %H:%M:%S GMT")),
        _headers(entry, digest="sha-256=" + "A" * 43 + "="),
        _headers(entry, keygen_signature=signature.replace(value, flipped)),
        _headers(entry, keygen_signature=signature.replace('keyid="', 'keyid="x')),
    ]
    for headers in altered[:3]:
        with pytest.raises(InvalidResponseError, match="not genuine"):
            _verify(entry, headers=headers, now=later)
    # keyid is not signed: it names the key but the signature decides.
    assert _verify(entry, headers=altered[3]).key_id is not None


@pytest.mark.parametrize("entry", MESSAGES)
def test_another_account_s_key_is_not_genuine(entry: dict[str, Any]) -> None:
    other = other_public_key(entry["public_key_hex"])
    with pytest.raises(InvalidResponseError, match="not genuine"):
        _verify(entry, public_key=other)


@pytest.mark.parametrize("entry", MESSAGES)
def test_each_missing_or_malformed_header_has_its_own_message(entry: dict[str, Any]) -> None:
    signature = entry["keygen_signature"]
    cases: list[tuple[dict[str, str], str]] = [
        (_headers(entry, digest=None), "no Digest header"),
        (_headers(entry, date=None), "no Date header"),
        (_headers(entry, keygen_signature=None), "no Keygen-Signature header"),
        (
            _headers(entry, keygen_signature=signature.replace("ed25519", "rsa-pss-sha256")),
            "unsupported algorithm",
        ),
        (_headers(entry, keygen_signature=signature.replace(" digest", "")), "does not cover"),
        (
            _headers(entry, keygen_signature=signature.replace(" host", " host host")),
            "does not cover",
        ),
        (
            _headers(entry, keygen_signature=signature.replace("signature=", "sig=")),
            "has no signature",
        ),
        (_headers(entry, keygen_signature=signature + ', algorithm="ed25519"'), "malformed"),
        (_headers(entry, keygen_signature="garbage"), "malformed"),
        (
            _headers(entry, keygen_signature=signature.replace('digest"', 'digest keygen-date"')),
            "lacks the signed header 'keygen-date'",
        ),
        (
            _headers(entry, keygen_signature=signature.replace('signature="', 'signature="!')),
            "not genuine",
        ),
    ]
    for headers, message in cases:
        with pytest.raises(InvalidResponseError, match=message):
            _verify(entry, headers=headers)


def test_repeated_header_spellings_with_different_values_are_refused() -> None:
    entry = MESSAGES[0].values[0]
    headers = recorded_headers(entry) | {"DATE": "Thu, 16 Jun 2022 18:52:14 GMT"}
    with pytest.raises(InvalidResponseError, match="repeats"):
        _verify(entry, headers=headers)


def test_target_must_be_a_path() -> None:
    entry = RESPONSES[0].values[0]
    with pytest.raises(ConfigurationError):
        _verify(entry, target="https://api.keygen.sh" + entry["request_target"])
    with pytest.raises(ConfigurationError):
        _verify(entry, public_key="not hex")


@pytest.mark.parametrize("entry", WEBHOOKS)
def test_a_webhook_says_webhook_in_its_messages(entry: dict[str, Any]) -> None:
    with pytest.raises(InvalidResponseError, match="webhook request"):
        _verify(entry, host="evil.example")


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _minted(
    *,
    method: str = "get",
    target: str = "/v1/me",
    body: bytes = b"{}",
    date: datetime | str = NOW,
    digest: str | None = None,
    target_sent: str | None = None,
) -> SignedMessage:
    """Sign a response the way Keygen does with a throwaway key, then verify it at NOW.

    *date* and *digest* are signed as given, however malformed; *target_sent* is what the
    verifier is told the request was, when it differs from what was signed.
    """
    minter = Minter()
    host = "api.keygen.sh"
    headers = minter.signed_headers(
        method=method, target=target, host=host, body=body, date=date, digest=digest
    )
    return verify_response(
        method=method.upper(),
        target=target_sent or target,
        host=host,
        headers=headers,
        body=body,
        public_key=minter.public_key_hex,
        now=NOW,
    )


def test_a_fresh_response_with_a_query_round_trips() -> None:
    target = "/v1/accounts/demo/licenses?limit=1&page%5Bnumber%5D=2"
    body = b'{"data":[],"meta":{"ts":"2026-01-02T03:04:05.000Z"}}'
    verified = _minted(target=target, body=body, date=NOW - timedelta(seconds=30))
    assert verified.date == NOW - timedelta(seconds=30)
    assert verified.key_id == "acct-1"
    decoded = target.replace("%5B", "[").replace("%5D", "]")
    with pytest.raises(InvalidResponseError, match="not genuine"):
        _minted(target=target, body=body, target_sent=decoded)


def test_an_empty_body_is_hashed_too() -> None:
    assert _minted(method="delete", target="/v1/machines/x", body=b"").date == NOW


@pytest.mark.parametrize(
    ("date", "digest", "message"),
    [
        ("yesterday", None, "Date header is malformed"),
        ("Fri, 02 Jan 2026 03:04:05", None, "Date header has no time zone"),
        ("", None, "Date header is malformed"),
        (NOW, "md5=mZFLkyvTelC5g8XnyQrpOw==", "Digest header uses an"),
        (NOW, "sha-256=not base64", "Digest header is malformed"),
        (NOW, "sha-256=AAAA", "does not match its signed Digest"),
    ],
)
def test_malformed_signed_date_or_digest_is_refused(
    date: datetime | str, digest: str | None, message: str
) -> None:
    # Genuinely signed, so that only the value itself can be what fails.
    with pytest.raises(InvalidResponseError, match=message):
        _minted(date=date, digest=digest)
