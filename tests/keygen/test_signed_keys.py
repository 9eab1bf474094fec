"""Real ED25519_SIGN license keys verify and yield their dataset; altered ones do not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from license_guard.errors import ConfigurationError, LeaseError
from license_guard.keygen import SignedKey, verify_signed_key

from .minting import Minter
from .vectors import SIGNED_KEYS, other_public_key, read_key


@pytest.mark.parametrize("entry", SIGNED_KEYS)
def test_signed_key_verifies_and_yields_its_dataset(entry: dict[str, Any]) -> None:
    assert entry["scheme"] == "ED25519_SIGN"
    assert entry["expect_valid"] is True
    key = read_key(entry["file"])
    assert key.startswith(entry["signing_data"] + ".")
    verified = verify_signed_key(key, public_key=entry["public_key_hex"], scheme=entry["scheme"])
    assert verified.dataset == entry["expect_dataset"].encode()
    assert verified.json() == json.loads(entry["expect_dataset"])
    assert key not in repr(verified)
    assert entry["signing_data"] not in repr(verified)


@pytest.mark.parametrize("entry", SIGNED_KEYS)
def test_signature_part_may_drop_its_padding(entry: dict[str, Any]) -> None:
    data, signature = read_key(entry["file"]).split(".")
    unpadded = f"{data}.{signature.rstrip('=')}"
    assert verify_signed_key(unpadded, public_key=entry["public_key_hex"]).dataset == (
        entry["expect_dataset"].encode()
    )


@pytest.mark.parametrize("entry", SIGNED_KEYS)
def test_dataset_part_is_verified_exactly_as_written(entry: dict[str, Any]) -> None:
    # The signature covers the text "key/<dataset part>", so the padding is part of it.
    data, signature = read_key(entry["file"]).split(".")
    if data.endswith("="):
        with pytest.raises(LeaseError, match="not genuine"):
            verify_signed_key(f"{data.rstrip('=')}.{signature}", public_key=entry["public_key_hex"])


@pytest.mark.parametrize("entry", SIGNED_KEYS)
def test_a_changed_character_anywhere_is_rejected(entry: dict[str, Any]) -> None:
    key = read_key(entry["file"])
    for index in range(len(key)):
        for replacement in {"A", "_", "."} - {key[index]}:
            edited = key[:index] + replacement + key[index + 1 :]
            with pytest.raises(LeaseError) as caught:
                verify_signed_key(edited, public_key=entry["public_key_hex"])
            assert key[:-4] not in str(caught.value)
            assert edited[:-4] not in str(caught.value)


@pytest.mark.parametrize("entry", SIGNED_KEYS)
def test_another_account_s_public_key_is_not_genuine(entry: dict[str, Any]) -> None:
    with pytest.raises(LeaseError, match="not genuine"):
        verify_signed_key(
            read_key(entry["file"]), public_key=other_public_key(entry["public_key_hex"])
        )


@pytest.mark.parametrize(
    "scheme",
    [
        "ECDSA_P256_SIGN",
        "RSA_2048_PKCS1_SIGN_V2",
        "RSA_2048_PKCS1_PSS_SIGN_V2",
        "RSA_2048_PKCS1_ENCRYPT",
        "RSA_2048_JWT_RS256",
        "ed25519_sign",
        "",
    ],
)
def test_other_schemes_are_not_supported(scheme: str) -> None:
    entry = SIGNED_KEYS[0].values[0]
    with pytest.raises(LeaseError, match="unsupported signing scheme"):
        verify_signed_key(
            read_key(entry["file"]), public_key=entry["public_key_hex"], scheme=scheme
        )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "key/",
        "key/.",
        "eyJ0ZXN0IjoxfQ==.AAAA",
        "lic/eyJ0ZXN0IjoxfQ==.AAAA",
        "key/eyJ0ZXN0IjoxfQ==",
        "key/eyJ0ZXN0IjoxfQ==.",
        "key/é.AAAA",
        "C1B6DE-39A6E3-DE1529-8559A0-4AF593-V3",
    ],
)
def test_malformed_keys_are_corrupt(key: str) -> None:
    with pytest.raises(LeaseError, match="corrupt"):
        verify_signed_key(key, public_key=SIGNED_KEYS[0].values[0]["public_key_hex"])


def test_a_malformed_public_key_is_a_configuration_error() -> None:
    entry = SIGNED_KEYS[0].values[0]
    with pytest.raises(ConfigurationError):
        verify_signed_key(read_key(entry["file"]), public_key=entry["public_key_hex"][:-2])


def test_a_fresh_key_round_trips_with_and_without_padding() -> None:
    minter = Minter()
    dataset = b'{"license":{"id":"L2","expiry":null}}'
    assert len(dataset) % 3, "a length that base64 has to pad"
    for padded in (True, False):
        key = minter.signed_key(dataset, padded=padded)
        assert key.split(".")[0].endswith("=") is padded
        verified = verify_signed_key(key, public_key=minter.public_key_hex)
        assert verified == SignedKey(scheme="ED25519_SIGN", dataset=dataset)
        assert verified.json() == {"license": {"id": "L2", "expiry": None}}


def test_a_dataset_that_is_not_json_is_returned_as_bytes() -> None:
    minter = Minter()
    verified = verify_signed_key(
        minter.signed_key(b"\xffvendor-format"), public_key=minter.public_key_hex
    )
    assert verified.dataset == b"\xffvendor-format"
    with pytest.raises(LeaseError, match="not JSON"):
        verified.json()
