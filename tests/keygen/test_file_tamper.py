"""Real files that were altered, mislabelled, truncated or opened with the wrong secret fail."""

from __future__ import annotations

import base64
import random
import string
from typing import Any

import pytest

from license_guard.errors import ConfigurationError, LeaseError
from license_guard.keygen import FileKind, verify_certificate

from .minting import armor, envelope_of
from .vectors import DECRYPTABLE, FILES, MACHINE_FILES, read_text

BASE64_ALPHABET = string.ascii_letters + string.digits + "+/"


def _verify(entry: dict[str, Any], text: str, kind: str | None = None) -> None:
    verify_certificate(
        text, kind=FileKind(kind or entry["kind"]), public_key=entry["public_key_hex"]
    )


def _other(kind: str) -> str:
    return "license" if kind == "machine" else "machine"


def _positions(length: int, count: int, seed: str) -> list[int]:
    """Both ends, the middle, and a fixed pseudo-random sample of indexes below *length*."""
    rng = random.Random(seed)
    fixed = {0, 1, length // 2, length - 2, length - 1}
    return sorted(fixed | {rng.randrange(length) for _ in range(count)})


def _changed(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("entry", FILES)
def test_rearmouring_an_unchanged_envelope_still_verifies(entry: dict[str, Any]) -> None:
    # The control for the edits below: only the edit can be what makes them fail.
    _verify(entry, armor(entry["kind"], envelope_of(read_text(entry["file"]))))


@pytest.mark.parametrize("entry", FILES)
def test_a_changed_character_anywhere_in_enc_is_not_genuine(entry: dict[str, Any]) -> None:
    envelope = envelope_of(read_text(entry["file"]))
    enc = envelope["enc"]
    dots = [i for i, char in enumerate(enc) if char == "."]
    for index in _positions(len(enc), 24, entry["file"]) + [d + 1 for d in dots]:
        if enc[index] == ".":
            continue
        edited = armor(entry["kind"], {**envelope, "enc": _changed(enc, index)})
        with pytest.raises(LeaseError, match="not genuine"):
            _verify(entry, edited)


@pytest.mark.parametrize("entry", FILES)
def test_a_changed_character_anywhere_in_sig_is_rejected(entry: dict[str, Any]) -> None:
    envelope = envelope_of(read_text(entry["file"]))
    sig = envelope["sig"]
    for index in range(len(sig)):
        for replacement in {"A", "B", "g", "Q", "="} - {sig[index]}:
            edited_sig = sig[:index] + replacement + sig[index + 1 :]
            with pytest.raises(LeaseError, match=r"not genuine|corrupt"):
                _verify(entry, armor(entry["kind"], {**envelope, "sig": edited_sig}))


@pytest.mark.parametrize("entry", FILES)
def test_a_changed_character_in_the_armoured_text_is_rejected(entry: dict[str, Any]) -> None:
    text = read_text(entry["file"])
    candidates = [i for i, char in enumerate(text) if not char.isspace()]
    rng = random.Random(entry["file"])
    for index in sorted({candidates[0], candidates[-1], *rng.sample(candidates, 60)}):
        replacement = rng.choice([c for c in BASE64_ALPHABET if c != text[index]])
        with pytest.raises(LeaseError):
            _verify(entry, text[:index] + replacement + text[index + 1 :])


@pytest.mark.parametrize("entry", FILES)
def test_the_other_kind_of_file_is_refused_by_its_armour(entry: dict[str, Any]) -> None:
    other = _other(entry["kind"])
    with pytest.raises(LeaseError, match=f"is a Keygen {entry['kind']} file, not a {other} file"):
        _verify(entry, read_text(entry["file"]), kind=other)


@pytest.mark.parametrize("entry", FILES)
def test_relabelling_as_the_other_kind_breaks_the_signature(entry: dict[str, Any]) -> None:
    # Same enc and sig under the other armour: the signed prefix ("license/" vs "machine/")
    # no longer matches, so a machine file cannot pass for a license file or vice versa.
    other = _other(entry["kind"])
    relabelled = armor(other, envelope_of(read_text(entry["file"])))
    with pytest.raises(LeaseError, match="not genuine"):
        _verify(entry, relabelled, kind=other)


@pytest.mark.parametrize(
    "alg",
    [
        "aes-256-gcm+rsa-pss-sha256",
        "aes-256-gcm+rsa-sha256",
        "aes-256-gcm+ecdsa-p256",
        "base64+rsa-pss-sha256",
        "base64+ecdsa-p256",
        "aes-128-gcm+ed25519",
        "AES-256-GCM+ED25519",
        "ed25519",
        "",
    ],
)
@pytest.mark.parametrize("entry", FILES[:1] + MACHINE_FILES[:1])
def test_an_algorithm_outside_the_two_supported_is_refused(entry: dict[str, Any], alg: str) -> None:
    edited = armor(entry["kind"], {**envelope_of(read_text(entry["file"])), "alg": alg})
    with pytest.raises(LeaseError, match="unsupported algorithm"):
        _verify(entry, edited)


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_swapping_alg_to_base64_is_harmless(entry: dict[str, Any]) -> None:
    # alg is not signed; claiming an encrypted enc is plain base64 only makes it undecodable.
    edited = armor(
        entry["kind"], {**envelope_of(read_text(entry["file"])), "alg": "base64+ed25519"}
    )
    certificate = verify_certificate(
        edited, kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
    )
    with pytest.raises(LeaseError, match="corrupt"):
        certificate.open(license_key=entry["license_key"], fingerprint=entry["fingerprint"])


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_a_wrong_license_key_is_refused(entry: dict[str, Any]) -> None:
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
    )
    key = entry["license_key"]
    for wrong in (key[:-1] + ("X" if key[-1] != "X" else "Y"), key.lower(), key + " ", ""):
        with pytest.raises(LeaseError, match="not for") as caught:
            certificate.open(license_key=wrong, fingerprint=entry["fingerprint"])
        message = str(caught.value)
        assert key[:-4] not in message
        assert len(wrong) <= 4 or wrong[:-4] not in message


@pytest.mark.parametrize("entry", MACHINE_FILES)
def test_a_wrong_fingerprint_is_not_for_this_device(entry: dict[str, Any]) -> None:
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind.MACHINE, public_key=entry["public_key_hex"]
    )
    fingerprint = entry["fingerprint"]
    for wrong in (
        fingerprint[:-1] + ("0" if fingerprint[-1] != "0" else "1"),
        fingerprint.upper(),
        "",
    ):
        if wrong == fingerprint:
            continue
        with pytest.raises(LeaseError, match="not for this device"):
            certificate.open(license_key=entry["license_key"], fingerprint=wrong)


@pytest.mark.parametrize("entry", MACHINE_FILES)
def test_moving_characters_between_key_and_fingerprint_is_caught(entry: dict[str, Any]) -> None:
    # The AES secret is key + fingerprint with no separator: "K1" + "F" decrypts like "K" + "1F".
    # The fingerprint check inside the payload is what tells the two apart.
    key, fingerprint = entry["license_key"], entry["fingerprint"]
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind.MACHINE, public_key=entry["public_key_hex"]
    )
    with pytest.raises(LeaseError, match="not for this device"):
        certificate.open(license_key=key + fingerprint[0], fingerprint=fingerprint[1:])
    with pytest.raises(LeaseError, match="not for this device"):
        certificate.open(license_key=key[:-1], fingerprint=key[-1] + fingerprint)


@pytest.mark.parametrize("entry", DECRYPTABLE)
def test_fingerprint_must_match_the_kind_of_file(entry: dict[str, Any]) -> None:
    certificate = verify_certificate(
        read_text(entry["file"]), kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
    )
    wrong_fingerprint = None if entry["fingerprint"] else "some-fingerprint"
    with pytest.raises(ConfigurationError):
        certificate.open(license_key=entry["license_key"], fingerprint=wrong_fingerprint)


@pytest.mark.parametrize("entry", FILES)
def test_line_endings_and_surrounding_whitespace_do_not_matter(entry: dict[str, Any]) -> None:
    text = read_text(entry["file"])
    variants = [
        text.replace("\n", "\r\n"),
        text.rstrip("\n"),
        text.rstrip("\n").replace("\n", "\r\n"),
        "\n\n  " + text + "\n\n",
        text.replace("\n", "\n  "),
        "".join(text.splitlines()),
    ]
    for variant in variants:
        assert (
            verify_certificate(
                variant, kind=FileKind(entry["kind"]), public_key=entry["public_key_hex"]
            ).text
            == variant
        )


@pytest.mark.parametrize("entry", FILES)
def test_truncated_files_are_refused_cleanly(entry: dict[str, Any]) -> None:
    text = read_text(entry["file"])
    footer = text.rstrip().rfind("-----END")
    cuts = {0, 1, 10, 28, 29, 40, len(text) // 4, len(text) // 2, footer - 1, footer, footer + 5}
    cuts |= {len(text.rstrip()) - 1, len(text.rstrip()) - 5}
    for cut in sorted(cuts):
        with pytest.raises(LeaseError):
            _verify(entry, text[:cut])
    # A file cut inside its base64 and given its footer back: the armour is fine, the body not.
    for cut in (40, len(text) // 3, footer - 3):
        with pytest.raises(LeaseError, match=r"corrupt|not genuine"):
            _verify(entry, text[:cut] + "\n" + text[footer:])


@pytest.mark.parametrize("seed", range(40))
def test_garbage_is_refused_cleanly(seed: int) -> None:
    rng = random.Random(seed)
    entry = FILES[seed % len(FILES)].values[0]
    header = f"-----BEGIN {entry['kind'].upper()} FILE-----\n"
    footer = f"\n-----END {entry['kind'].upper()} FILE-----\n"
    noise = "".join(rng.choice(string.printable + "é€\x00") for _ in range(rng.randrange(300)))
    b64 = "".join(rng.choice(BASE64_ALPHABET) for _ in range(4 * rng.randrange(1, 100)))
    for text in (noise, header + noise + footer, header + b64 + footer):
        with pytest.raises(LeaseError):
            _verify(entry, text)


@pytest.mark.parametrize(
    "document",
    [
        "[]",
        "null",
        '{"enc": 1, "sig": "", "alg": "aes-256-gcm+ed25519"}',
        '{"enc": "x", "alg": "aes-256-gcm+ed25519"}',
        '{"enc": "é", "sig": "AAAA", "alg": "aes-256-gcm+ed25519"}',
        '{"enc": "x", "sig": "x", "sig": "y", "alg": "aes-256-gcm+ed25519"}',
        '{"enc": "x", "sig": "not base64!", "alg": "aes-256-gcm+ed25519"}',
        '{"enc": "x", "sig": "QUFB", "alg": "aes-256-gcm+ed25519"}',
        "[" * 100_000,
    ],
)
def test_malformed_envelopes_are_refused_cleanly(document: str) -> None:
    text = "-----BEGIN LICENSE FILE-----\n"
    text += base64.b64encode(document.encode()).decode() + "\n-----END LICENSE FILE-----\n"
    with pytest.raises(LeaseError):
        verify_certificate(
            text, kind=FileKind.LICENSE, public_key=FILES[0].values[0]["public_key_hex"]
        )
