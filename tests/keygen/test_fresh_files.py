"""Files written here with a throwaway key, in Keygen's exact format, read back: both supported
algorithms, both kinds, and payloads Keygen would never sign (to reach the checks behind the
signature)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from license_guard.errors import LeaseError
from license_guard.keygen import (
    FileKind,
    VerifiedFile,
    verify_certificate,
    verify_license_file,
    verify_machine_file,
)

from .minting import Minter, license_document, machine_document

ALGORITHMS = ["aes-256-gcm+ed25519", "base64+ed25519"]
KEY = "ABCDEF-123456-7890AB-CDEF12-345678-V3"
FINGERPRINT = "0f" * 32
ISSUED = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def minter() -> Minter:
    return Minter()


def _license(
    minter: Minter, document: dict[str, Any] | bytes, alg: str, key: str = KEY
) -> VerifiedFile:
    text = minter.file("license", document, secret=KEY, alg=alg)
    return verify_license_file(text, public_key=minter.public_key_hex, license_key=key)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_fresh_license_file_round_trips(minter: Minter, alg: str) -> None:
    document = license_document(KEY, issued=ISSUED, entitlements=("PRO", "EXPORT"))
    verified = _license(minter, document, alg)
    assert verified.algorithm == alg
    assert verified.kind is FileKind.LICENSE
    assert verified.entitlements == frozenset({"PRO", "EXPORT"})
    assert verified.dataset.meta.issued == ISSUED
    assert verified.dataset.meta.expiry == ISSUED + timedelta(days=30)
    assert not verified.is_expired(ISSUED + timedelta(days=29))
    assert verified.is_expired(ISSUED + timedelta(days=30))
    assert json.loads(verified.dataset.plaintext) == document


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_a_fresh_machine_file_round_trips(minter: Minter, alg: str) -> None:
    document = machine_document(KEY, FINGERPRINT, issued=ISSUED, ttl=None)
    text = minter.file("machine", document, secret=KEY + FINGERPRINT, alg=alg)
    verified = verify_machine_file(
        text, public_key=minter.public_key_hex, license_key=KEY, fingerprint=FINGERPRINT
    )
    assert verified.dataset.data.attributes["fingerprint"] == FINGERPRINT
    assert verified.license is not None
    assert verified.license.id == "lic-1"
    assert not verified.is_expired(datetime(9999, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_unencrypted_files_are_bound_by_the_key_attribute(minter: Minter, alg: str) -> None:
    # With base64+ed25519 nothing is encrypted: the key and fingerprint checks in the payload
    # are all that tie the file to this license and device.
    with pytest.raises(LeaseError, match="not for"):
        _license(minter, license_document(KEY, issued=ISSUED), alg, key=KEY[:-1] + "4")
    machine = machine_document("OTHER-KEY-000000", FINGERPRINT, issued=ISSUED)
    text = minter.file("machine", machine, secret=KEY + FINGERPRINT, alg=alg)
    with pytest.raises(LeaseError, match="not for this device, or not for license key"):
        verify_machine_file(
            text, public_key=minter.public_key_hex, license_key=KEY, fingerprint=FINGERPRINT
        )


def test_a_machine_file_without_its_license(minter: Minter) -> None:
    document = machine_document(KEY, FINGERPRINT, issued=ISSUED, include_license=False)
    for alg in ALGORITHMS:
        text = minter.file("machine", document, secret=KEY + FINGERPRINT, alg=alg)
        certificate = verify_certificate(
            text, kind=FileKind.MACHINE, public_key=minter.public_key_hex
        )
        if alg == "base64+ed25519":
            with pytest.raises(LeaseError, match="include=license"):
                certificate.open(license_key=KEY, fingerprint=FINGERPRINT)
        else:  # decrypting under key + fingerprint already ties it to the key
            assert certificate.open(license_key=KEY, fingerprint=FINGERPRINT).license is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(data={**d["data"], "type": "machines"}), "describes 'machines'"),
        (lambda d: d.pop("meta"), "'meta' is missing"),
        (lambda d: d.update(meta={**d["meta"], "ttl": None}), "expiry without a TTL"),
        (lambda d: d.update(meta={**d["meta"], "expiry": None}), "TTL without an expiry"),
        (lambda d: d.update(meta={**d["meta"], "ttl": True}), "TTL"),
        (lambda d: d.update(meta={**d["meta"], "issued": "yesterday"}), "Keygen dataset"),
        (lambda d: d.update(meta={**d["meta"], "issued": "2026-03-01T12:00:00"}), "time zone"),
        (lambda d: d.update(meta={**d["meta"], "issued": 1700000000}), "timestamp must be text"),
        (lambda d: d.update(included={}), "'included' is not a list"),
        (lambda d: d.update(included=[{"type": "users"}]), "no type or id"),
        (lambda d: d.update(included=["x"]), "not a resource object"),
        (lambda d: d.update(data={**d["data"], "attributes": []}), "non-object attributes"),
        (lambda d: d.pop("data"), "not a resource object"),
    ],
)
def test_payloads_keygen_would_not_sign_are_corrupt(
    minter: Minter, change: Any, message: str
) -> None:
    document = license_document(KEY, issued=ISSUED)
    change(document)
    with pytest.raises(LeaseError, match="corrupt") as caught:
        _license(minter, document, "base64+ed25519")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "plaintext", [b"", b"[]", b"\xff\xfe", b"{" * 50_000, b'{"data":1,"data":2}']
)
def test_payloads_that_are_not_json_objects_are_corrupt(minter: Minter, plaintext: bytes) -> None:
    with pytest.raises(LeaseError, match="corrupt"):
        _license(minter, plaintext, "aes-256-gcm+ed25519")


def test_a_license_key_that_is_not_text_in_the_payload_is_not_ours(minter: Minter) -> None:
    document = license_document(KEY, issued=ISSUED)
    document["data"]["attributes"]["key"] = None
    with pytest.raises(LeaseError, match="not for license key …8-V3"):
        _license(minter, document, "aes-256-gcm+ed25519")


def test_entitlement_codes_that_are_not_text_grant_nothing(minter: Minter) -> None:
    document = license_document(KEY, issued=ISSUED, entitlements=("PRO",))
    document["included"].append({"id": "e2", "type": "entitlements", "attributes": {"code": 7}})
    assert _license(minter, document, "base64+ed25519").entitlements == frozenset({"PRO"})


@pytest.mark.parametrize(
    "enc",
    ["a.b", "a.b.c.d", "QUFB.QUFB.QUFB", "QUFB.QUFBQUFBQUFBQUFBQUFB.QUFB", "!!!!.QUFB.QUFB"],
)
def test_an_enc_without_three_well_formed_parts_is_corrupt_or_not_ours(
    minter: Minter, enc: str
) -> None:
    text = minter.signed_file("license", enc)
    certificate = verify_certificate(text, kind=FileKind.LICENSE, public_key=minter.public_key_hex)
    with pytest.raises(LeaseError, match=r"corrupt|not for"):
        certificate.open(license_key=KEY)
