"""Keygen's signed artefacts, verified offline (the public home of
:mod:`license_guard.backends.keygen.formats`, where the code lives beside the Keygen backend).

``from license_guard.keygen import verify_machine_file`` and the rest keep working; see
``docs/keygen-formats.md``.
"""

from __future__ import annotations

from license_guard.backends.keygen.formats import (
    MAX_CLOCK_DRIFT,
    REQUIRED_SIGNED_PARTS,
    SIGNED_KEY_SCHEME,
    SUPPORTED_FILE_ALGORITHMS,
    Certificate,
    Dataset,
    FileKind,
    FileMeta,
    PublicKey,
    Resource,
    SignedKey,
    SignedMessage,
    VerifiedFile,
    verify_certificate,
    verify_license_file,
    verify_machine_file,
    verify_response,
    verify_signed_key,
    verify_webhook,
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
