"""The digest verbs of license_guard.crypto, against published test vectors."""

from __future__ import annotations

from license_guard import crypto


def test_sha256_matches_the_fips_180_example() -> None:
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert crypto.sha256(b"abc").hex() == expected


def test_hmac_sha256_matches_rfc_4231() -> None:
    # Test case 2: a key shorter than the block, an ASCII message.
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert crypto.hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == expected
    # Test case 6: a key longer than the block is hashed first.
    expected = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    message = b"Test Using Larger Than Block-Size Key - Hash Key First"
    assert crypto.hmac_sha256(b"\xaa" * 131, message).hex() == expected


def test_constant_time_equal_compares_text_and_bytes() -> None:
    assert crypto.constant_time_equal("sig", b"sig")
    assert not crypto.constant_time_equal(b"sig", b"sih")
    assert not crypto.constant_time_equal("sig", "sig2")


def test_an_ed25519_pem_reads_the_same_without_cryptographys_serialization_package() -> None:
    """The start's reading of a public key (no serialization package, which imports
    dataclasses) gives exactly what cryptography's own parser gives."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    from license_guard import crypto

    for _ in range(20):
        private, _public = crypto.new_ed25519_key()
        pem = crypto.ed25519_pem(crypto.ed25519_public_key(private))
        key = load_pem_public_key(pem.encode())
        expected = (
            key.public_bytes(Encoding.Raw, PublicFormat.Raw),
            key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
        )
        assert crypto.load_ed25519_pem(pem) == expected
        assert crypto.load_ed25519_pem(pem.replace("\n", "\r\n") + "\n") == expected
