"""Keygen license files and machine files: parse, verify the signature, then decrypt and bind.

The checks run in this order, and each one only reads what the previous ones vouched for:

1. envelope: ``-----BEGIN LICENSE FILE-----`` (or ``MACHINE FILE``) around base64 of
   ``{"enc", "sig", "alg"}``; whitespace, CRLF and a missing final newline are fine;
2. algorithm: only ``aes-256-gcm+ed25519`` and ``base64+ed25519``;
3. signature: Ed25519 over ``b"license/" + enc`` (or ``b"machine/" + enc``), before ``enc`` is
   decoded at all; the prefix makes a machine file fail as a license file and vice versa;
4. payload: AES-256-GCM under SHA-256(license key [+ fingerprint]), or plain base64;
5. dataset: the JSON document (:mod:`license_guard.backends.keygen.formats.dataset`);
6. binding: the resource type matches the kind, ``key`` equals the license key, and for a
   machine file ``fingerprint`` equals this device's fingerprint (constant-time comparisons).

Every failure is a :class:`~license_guard.errors.LeaseError` whose message says which of
"corrupt", "unsupported algorithm", "not genuine" or "not for this device / license key" it is.
"""

from __future__ import annotations

from license_guard import crypto
from license_guard._record import Record, field
from license_guard._redact import redact
from license_guard.backends.keygen.formats._codec import decode_base64, loads_json_object
from license_guard.backends.keygen.formats.dataset import Dataset, parse_dataset
from license_guard.backends.keygen.formats.public_key import PublicKey
from license_guard.backends.keygen.formats.verified_file import FileKind, VerifiedFile
from license_guard.errors import ConfigurationError, LeaseError

__all__ = [
    "SUPPORTED_FILE_ALGORITHMS",
    "Certificate",
    "verify_certificate",
    "verify_license_file",
    "verify_machine_file",
]

ENCRYPTED = "aes-256-gcm+ed25519"
UNENCRYPTED = "base64+ed25519"
SUPPORTED_FILE_ALGORITHMS = frozenset({ENCRYPTED, UNENCRYPTED})


class Certificate(Record):
    """A license or machine file whose Ed25519 signature has been verified; its payload is not
    yet decoded. Only :func:`verify_certificate` should make one."""

    kind: FileKind
    algorithm: str
    enc: str = field(repr=False)
    text: str = field(repr=False)

    def open(self, *, license_key: str, fingerprint: str | None = None) -> VerifiedFile:
        """Decrypt (or decode) the payload and check it belongs to *license_key* (and device).

        *fingerprint* is required for a machine file and refused for a license file.

        Raises:
            ConfigurationError: *fingerprint* is missing for a machine file or given for a
                license file.
            LeaseError: the payload does not decrypt with this key (and fingerprint), is
                corrupt, or names another license key or device.
        """
        needs_fingerprint = self.kind is FileKind.MACHINE
        if needs_fingerprint != (fingerprint is not None):
            raise ConfigurationError(
                "A machine file is opened with the license key and this device's fingerprint; "
                "a license file with the license key only."
            )
        secret = license_key + (fingerprint or "")
        dataset = self._decode(self._payload(secret, license_key))
        self._check_binding(dataset, license_key, fingerprint)
        return VerifiedFile(
            kind=self.kind, algorithm=self.algorithm, dataset=dataset, certificate=self.text
        )

    def _payload(self, secret: str, license_key: str) -> bytes:
        try:
            if self.algorithm == UNENCRYPTED:
                return decode_base64(self.enc)
            parts = self.enc.split(".")
            if len(parts) != 3:
                raise ValueError(f"'enc' has {len(parts)} parts, not 3")
            ciphertext, nonce, tag = (decode_base64(part) for part in parts)
        except ValueError as exc:
            raise _corrupt(self.kind, f"its payload is malformed: {exc}") from exc
        try:
            return crypto.decrypt_aes256gcm(
                secret.encode("utf-8"), ciphertext=ciphertext, nonce=nonce, tag=tag
            )
        except crypto.CryptoError as exc:
            raise LeaseError(self._not_for_us(license_key) + " It cannot be decrypted.") from exc

    def _decode(self, plaintext: bytes) -> Dataset:
        try:
            dataset = parse_dataset(plaintext)
        except ValueError as exc:
            raise _corrupt(self.kind, f"its content is not a Keygen dataset: {exc}") from exc
        expected = self.kind.resource_type
        if dataset.data.type != expected:
            raise _corrupt(self.kind, f"it describes {dataset.data.type!r}, not {expected!r}")
        return dataset

    def _check_binding(self, dataset: Dataset, license_key: str, fingerprint: str | None) -> None:
        attributes = dataset.data.attributes
        if fingerprint is not None:
            if not _same_text(attributes.get("fingerprint"), fingerprint):
                raise LeaseError(
                    "The machine file is not for this device: it was issued for another "
                    "machine fingerprint."
                )
            licenses = dataset.find_included("licenses", dataset.data.related_id("license"))
            # Without the license included, an encrypted file is still bound to the key: it
            # decrypted under key + fingerprint, and the fingerprint part was just matched.
            if not licenses and self.algorithm == ENCRYPTED:
                return
            if not licenses:
                raise LeaseError(
                    "The machine file cannot be tied to a license key: it is not encrypted and "
                    "does not include its license. Check it out with include=license."
                )
            attributes = licenses[0].attributes
        if not _same_text(attributes.get("key"), license_key):
            raise LeaseError(self._not_for_us(license_key))

    def _not_for_us(self, license_key: str) -> str:
        if self.kind is FileKind.MACHINE:
            return (
                "The machine file is not for this device, or not for license key "
                f"{redact(license_key)}."
            )
        return f"The license file is not for license key {redact(license_key)}."


def verify_certificate(text: str, *, kind: FileKind, public_key: PublicKey | str) -> Certificate:
    """Parse a license or machine file and verify its Keygen signature; decode nothing else.

    Use this alone to check a file whose decryption key is unknown; otherwise prefer
    :func:`verify_license_file` / :func:`verify_machine_file`.

    Raises:
        ConfigurationError: *public_key* is not a valid hex Ed25519 key.
        LeaseError: the text is not a file of this *kind* or is corrupt, its algorithm is not
            supported, or its signature is not genuine.
    """
    key = PublicKey.coerce(public_key)
    enc, sig, algorithm = _envelope(text, kind)
    if algorithm not in SUPPORTED_FILE_ALGORITHMS:
        raise LeaseError(
            f"The {kind.label} uses an unsupported algorithm {algorithm[:40]!r}: license_guard "
            f"accepts only {ENCRYPTED} and {UNENCRYPTED}."
        )
    try:
        signature = decode_base64(sig)
    except ValueError as exc:
        raise _corrupt(kind, f"its signature is malformed: {exc}") from exc
    message = f"{kind.value}/{enc}".encode("ascii")
    try:
        crypto.verify_ed25519(key.raw, message, signature)
    except crypto.CryptoError as exc:
        raise LeaseError(
            f"The {kind.label} is not genuine: its signature does not match the Keygen public "
            "key. It was altered, or issued by another Keygen account."
        ) from exc
    return Certificate(kind=kind, algorithm=algorithm, enc=enc, text=text)


def verify_license_file(
    text: str, *, public_key: PublicKey | str, license_key: str
) -> VerifiedFile:
    """Verify, decrypt and bind a ``-----BEGIN LICENSE FILE-----`` to *license_key*.

    Expiry is not checked here: see :meth:`VerifiedFile.is_expired`.

    Raises:
        ConfigurationError: *public_key* is not a valid hex Ed25519 key.
        LeaseError: the file is corrupt, uses an unsupported algorithm, is not genuine, or is
            not for this license key.
    """
    certificate = verify_certificate(text, kind=FileKind.LICENSE, public_key=public_key)
    return certificate.open(license_key=license_key)


def verify_machine_file(
    text: str, *, public_key: PublicKey | str, license_key: str, fingerprint: str
) -> VerifiedFile:
    """Verify, decrypt and bind a ``-----BEGIN MACHINE FILE-----`` to *license_key* and
    *fingerprint* (this device).

    Expiry is not checked here: see :meth:`VerifiedFile.is_expired`.

    Raises:
        ConfigurationError: *public_key* is not a valid hex Ed25519 key.
        LeaseError: the file is corrupt, uses an unsupported algorithm, is not genuine, or is
            not for this device or license key.
    """
    certificate = verify_certificate(text, kind=FileKind.MACHINE, public_key=public_key)
    return certificate.open(license_key=license_key, fingerprint=fingerprint)


def _envelope(text: str, kind: FileKind) -> tuple[str, str, str]:
    """Return the unverified ``(enc, sig, alg)`` strings of the file *text*."""
    header, footer = _armor(kind)
    body = text.strip() if isinstance(text, str) else ""
    if not (body.startswith(header) and body.endswith(footer)):
        other = next(k for k in FileKind if k is not kind)
        other_header, _ = _armor(other)
        if body.startswith(other_header):
            raise LeaseError(f"This is a Keygen {other.label}, not a {kind.label}.")
        raise _corrupt(kind, f"it does not start with {header} and end with {footer}")
    # All whitespace goes, CRLF included: Keygen wraps its base64 at 60 columns.
    encoded = "".join(body[len(header) : len(body) - len(footer)].split())
    try:
        document = loads_json_object(decode_base64(encoded))
    except ValueError as exc:
        raise _corrupt(kind, str(exc)) from exc
    enc, sig, alg = (document.get(name) for name in ("enc", "sig", "alg"))
    if not (isinstance(enc, str) and isinstance(sig, str) and isinstance(alg, str)):
        raise _corrupt(kind, "it lacks its enc, sig or alg field")
    if not enc.isascii():
        raise _corrupt(kind, "its enc field is not base64 text")
    return enc, sig, alg


def _armor(kind: FileKind) -> tuple[str, str]:
    name = kind.value.upper()
    return f"-----BEGIN {name} FILE-----", f"-----END {name} FILE-----"


def _same_text(value: object, expected: str) -> bool:
    return isinstance(value, str) and crypto.constant_time_equal(value, expected)


def _corrupt(kind: FileKind, detail: str) -> LeaseError:
    return LeaseError(
        f"The {kind.label} is corrupt ({detail}). Check out a new {kind.label} from the "
        "licensing server."
    )
