"""Keygen's signed artefacts, verified offline: license files, machine files, signed license
keys, and signed API responses and webhooks.

Nothing here talks to the network; the Keygen backend calls these with what it received.
The formats, the order of checks and what each protects against are in
``docs/keygen-formats.md``.
"""

from __future__ import annotations

from license_guard.backends.keygen.formats.certificate import (
    SUPPORTED_FILE_ALGORITHMS,
    Certificate,
    verify_certificate,
    verify_license_file,
    verify_machine_file,
)
from license_guard.backends.keygen.formats.dataset import Dataset, FileMeta, Resource
from license_guard.backends.keygen.formats.public_key import PublicKey
from license_guard.backends.keygen.formats.signature import (
    REQUIRED_SIGNED_PARTS,
    SignedMessage,
    verify_response,
    verify_webhook,
)
from license_guard.backends.keygen.formats.signed_key import (
    SIGNED_KEY_SCHEME,
    SignedKey,
    verify_signed_key,
)
from license_guard.backends.keygen.formats.verified_file import (
    MAX_CLOCK_DRIFT,
    FileKind,
    VerifiedFile,
)

__all__ = [
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
