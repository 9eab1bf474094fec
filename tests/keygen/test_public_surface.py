"""The public surface of license_guard.keygen is pinned, and its public key parsing is strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from license_guard import keygen
from license_guard.errors import ConfigurationError, LeaseError
from license_guard.keygen import FileKind, PublicKey, verify_certificate, verify_license_file

from .vectors import FILE_ENTRIES, PUBLIC_KEYS, read_text

DEMO = PUBLIC_KEYS["demo"]


def test_public_surface_is_pinned_and_sorted() -> None:
    assert keygen.__all__ == [
        "MAX_CLOCK_DRIFT",
        "REQUIRED_SIGNED_PARTS",
        "SIGNED_KEY_SCHEME",
        "SUPPORTED_FILE_ALGORITHMS",
        "Certificate",
        "Dataset",
        "FileKind",
        "FileMeta",
        "PublicKey",
        "Resource",
        "SignedKey",
        "SignedMessage",
        "VerifiedFile",
        "verify_certificate",
        "verify_license_file",
        "verify_machine_file",
        "verify_response",
        "verify_signed_key",
        "verify_webhook",
    ]
    for name in keygen.__all__:
        assert getattr(keygen, name) is not None


def test_only_the_crypto_module_imports_cryptography() -> None:
    package = Path(keygen.__file__).parent
    for module in package.glob("*.py"):
        assert "cryptography" not in module.read_text(encoding="utf-8"), module.name


@pytest.mark.parametrize("text", [DEMO, DEMO.upper(), f"  {DEMO}\n"])
def test_hex_public_keys_parse(text: str) -> None:
    key = PublicKey.from_hex(text)
    assert key.hex == DEMO
    assert key.raw == bytes.fromhex(DEMO)
    assert PublicKey.coerce(key) is key
    assert PublicKey.coerce(text) == key
    assert eval(repr(key), {"PublicKey": PublicKey}) == key  # noqa: S307 -- repr round trip


@pytest.mark.parametrize(
    "text",
    [
        "",
        DEMO[:-2],
        DEMO + "00",
        DEMO[:-1] + "g",
        " ".join([DEMO[:32], DEMO[32:]]),
        "MCowBQYDK2VwAyEA6GAeSLaTg7pSAkX9B5cemD0G0ixCV8/YIwRgFHnO54g=",
        None,
        b"\x00" * 32,
    ],
)
def test_malformed_public_keys_are_configuration_errors(text: object) -> None:
    with pytest.raises(ConfigurationError, match="64 hex"):
        PublicKey.from_hex(text)  # type: ignore[arg-type]


def test_raw_public_keys_must_be_32_bytes() -> None:
    with pytest.raises(ConfigurationError):
        PublicKey(b"\x00" * 31)


def test_a_malformed_public_key_is_a_configuration_error_before_anything_else() -> None:
    with pytest.raises(ConfigurationError):
        verify_certificate("garbage", kind=FileKind.LICENSE, public_key="nope")
    entry = FILE_ENTRIES[0]
    with pytest.raises(ConfigurationError):
        verify_license_file(read_text(entry["file"]), public_key=DEMO[:-1], license_key="x")


def test_the_wrong_account_s_key_is_not_genuine() -> None:
    entry = FILE_ENTRIES[0]
    keygen_account = PUBLIC_KEYS["keygen"]
    assert keygen_account != entry["public_key_hex"]
    with pytest.raises(LeaseError, match="not genuine"):
        verify_certificate(
            read_text(entry["file"]), kind=FileKind.LICENSE, public_key=keygen_account
        )
