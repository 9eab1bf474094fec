"""Every real license and machine file verifies, and decrypts to exactly what its manifest says."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from license_guard.backends.keygen.formats.dataset import parse_timestamp
from license_guard.keygen import (
    FileKind,
    VerifiedFile,
    verify_certificate,
    verify_license_file,
    verify_machine_file,
)

from .vectors import DECRYPTABLE, FILES, MACHINE_FILES, VECTORS, read_key, read_text


def _open(entry: dict[str, Any]) -> VerifiedFile:
    text = read_text(entry["file"])
    if entry["kind"] == "machine":
        return verify_machine_file(
            text,
            public_key=entry["public_key_hex"],
            license_key=entry["license_key"],
            fingerprint=entry["fingerprint"],
        )
    return verify_license_file(
        text, public_key=entry["public_key_hex"], license_key=entry["license_key"]
    )


@pytest.mark.parametrize("entry", FILES)
def test_signature_verifies_with_the_stated_public_key(entry: dict[str, Any]) -> None:
    assert entry["expect_signature_valid"] is True
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
    )
    assert certificate.kind is FileKind(entry["kind"])
    assert certificate.algorithm == entry["alg"]
    if "cert_enc_sha256" in entry:
        assert hashlib.sha256(certificate.enc.encode()).hexdigest() == entry["cert_enc_sha256"]


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_decrypts_to_exactly_the_recorded_plaintext(entry: dict[str, Any]) -> None:
    plaintext = _open(entry).dataset.plaintext
    assert plaintext == (VECTORS / entry["decrypted_file"]).read_bytes()
    assert hashlib.sha256(plaintext).hexdigest() == entry["decrypted_sha256"]


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_dataset_matches_the_manifest(entry: dict[str, Any]) -> None:
    verified = _open(entry)
    dataset = verified.dataset
    assert (dataset.data.type, dataset.data.id) == (
        entry["expect_data_type"],
        entry["expect_data_id"],
    )
    assert [[res.type, res.id] for res in dataset.included] == entry["expect_included"]
    expected = entry["expect_meta"]
    assert dataset.meta.issued == parse_timestamp(expected["issued"])
    assert dataset.meta.expiry == (expected["expiry"] and parse_timestamp(expected["expiry"]))
    assert dataset.meta.ttl == expected["ttl"]
    assert dataset.meta.issued.utcoffset() is not None
    assert verified.certificate == read_text(entry["file"]), "kept exactly as issued"
    assert verified.algorithm == entry["alg"]


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_license_is_the_one_whose_key_opened_the_file(entry: dict[str, Any]) -> None:
    license_ = _open(entry).license
    assert license_ is not None
    assert license_.attributes["key"] == entry["license_key"]
    if entry["kind"] == "machine":
        assert license_.id == entry["expect_license_relationship_id"]


@pytest.mark.parametrize("entry", MACHINE_FILES)
def test_machine_file_is_for_the_fingerprint_given(entry: dict[str, Any]) -> None:
    data = _open(entry).dataset.data
    assert (
        data.attributes["fingerprint"] == entry["expect_fingerprint_attr"] == entry["fingerprint"]
    )
    assert data.related_id("license") == entry["expect_license_relationship_id"]


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_entitlements_are_the_codes_of_included_entitlements(entry: dict[str, Any]) -> None:
    verified = _open(entry)
    count = sum(1 for pair in entry["expect_included"] if pair[0] == "entitlements")
    assert len(verified.entitlements) == count
    assert all(code and code.upper() == code for code in verified.entitlements)


def test_entitlement_codes_of_known_files() -> None:
    by_file = {param.values[0]["file"]: param.values[0] for param in DECRYPTABLE}
    rust = _open(by_file["rust-machine-files/machine.lic"])
    assert rust.entitlements == frozenset(
        {"FEATURE_ENTITLEMENT_A", "FEATURE_ENTITLEMENT_B", "FEATURE_ENTITLEMENT_C"}
    )
    csharp = _open(by_file["csharp-license-files/examples_license.lic"])
    assert csharp.entitlements == frozenset({"DEMO_ENTITLEMENT"})


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_no_license_key_in_any_repr(entry: dict[str, Any]) -> None:
    verified = _open(entry)
    shown = repr(verified) + repr(verified.dataset) + repr(verified.license)
    assert entry["license_key"] not in shown
    assert entry["license_key"][:-4] not in shown


@pytest.mark.parametrize("entry", FILES)
def test_the_key_and_fingerprint_files_agree_with_the_manifest(entry: dict[str, Any]) -> None:
    stem = entry["file"].removesuffix(".lic")
    key_file = VECTORS / f"{stem}.key"
    fingerprint_file = VECTORS / f"{stem}.fingerprint"
    assert (read_key(f"{stem}.key") if key_file.exists() else None) == entry["license_key"]
    assert (read_key(f"{stem}.fingerprint") if fingerprint_file.exists() else None) == (
        entry["fingerprint"]
    )
    if entry["aes_secret"] is not None:
        assert entry["aes_secret"] == entry["license_key"] + (entry["fingerprint"] or "")
