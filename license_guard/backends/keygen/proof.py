"""The offline proof of a Keygen lease: a machine file (or, air-gapped, a license file) kept
exactly as issued, verified on every load, and the facts the guard takes from it.

:func:`open_proof` runs the checks of :mod:`license_guard.keygen` in their order: the Ed25519
signature over ``machine/`` + enc, then AES-256-GCM under SHA-256(license key + fingerprint),
then the decrypted fingerprint and key against this lease. :func:`signed_facts` then reads what
the lease may only hold as signed: the license's expiry, the entitlements (the guard's
features), the file's own issue time and expiry (``meta.expiry`` exactly as given, never
recomputed from the TTL), and the heartbeat the policy requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from license_guard._record import Record
from license_guard.backends.keygen.formats.dataset import parse_timestamp
from license_guard.errors import LeaseError
from license_guard.keygen import (
    FileKind,
    PublicKey,
    Resource,
    VerifiedFile,
    verify_license_file,
    verify_machine_file,
)

__all__ = ["MACHINE_FILE_INCLUDES", "SignedFacts", "open_proof", "signed_facts"]

#: What a machine file is checked out with: the license, its entitlements (the features) and
#: its policy (whose expiration strategy says whether the license's expiry stops the app).
MACHINE_FILE_INCLUDES = ("license", "license.entitlements", "license.policy")

# Expiration strategies under which an expired license keeps working.
_ACCESS_AFTER_EXPIRY = frozenset({"ALLOW_ACCESS", "MAINTAIN_ACCESS"})


class SignedFacts(Record):
    """What the signed file vouches for.

    Attributes:
        issued: when the server issued the file (signed server time).
        offline_until: the file's ``meta.expiry``; None when it never expires.
        expires_at: the license's own expiry, when the policy enforces it; else None.
        features: the entitlement codes.
        heartbeat: the required heartbeat period, or None when none is required.
        heartbeat_started: whether the machine had sent a heartbeat when the file was issued.
        machine_id: the machine's id (None for a license file).
    """

    issued: datetime
    offline_until: datetime | None
    expires_at: datetime | None
    features: frozenset[str]
    licensee_name: str | None
    max_machines: int | None
    heartbeat: timedelta | None
    heartbeat_started: bool
    machine_id: str | None


def kind_of(text: str) -> FileKind:
    """Which file *text* is, from its first line.

    Raises:
        LeaseError: it is neither a license file nor a machine file.
    """
    head = text.lstrip()[:40] if isinstance(text, str) else ""
    for kind in FileKind:
        if head.startswith(f"-----BEGIN {kind.value.upper()} FILE-----"):
            return kind
    raise LeaseError("This is not a Keygen license file or machine file.")


def open_proof(
    text: str,
    *,
    public_key: PublicKey,
    license_key: str,
    fingerprint: str,
    product_id: str,
    machine_only: bool,
) -> VerifiedFile:
    """Verify *text* for this license key and device (a machine file's fingerprint), and that
    its license belongs to *product_id*. *machine_only* refuses a license file.

    Raises:
        LeaseError: not genuine, not for this key, device or product, or a license file where
            only a machine file may be.
    """
    kind = kind_of(text)
    if kind is FileKind.MACHINE:
        verified = verify_machine_file(
            text, public_key=public_key, license_key=license_key, fingerprint=fingerprint
        )
    elif machine_only:
        raise LeaseError("An online Keygen lease must hold a machine file, not a license file.")
    else:
        verified = verify_license_file(text, public_key=public_key, license_key=license_key)
    license_ = verified.license
    product = None if license_ is None else license_.related_id("product")
    if product is not None and product != product_id:
        raise LeaseError(f"The {kind.label} is for another product of the Keygen account.")
    return verified


def signed_facts(verified: VerifiedFile) -> SignedFacts:
    """Read the facts of a verified file.

    Raises:
        LeaseError: a signed value has the wrong shape (a corrupt file, or one no Keygen
            server writes).
    """
    license_ = verified.license
    attributes: Mapping[str, Any] = {} if license_ is None else license_.attributes
    policy = _policy(verified, license_)
    machine = verified.dataset.data if verified.kind is FileKind.MACHINE else None
    try:
        expiry = attributes.get("expiry")
        expires_at = None if expiry is None else parse_timestamp(expiry)
        if policy is not None and policy.attributes.get("expirationStrategy") in (
            _ACCESS_AFTER_EXPIRY
        ):
            expires_at = None
        heartbeat = None
        if machine is not None and machine.attributes.get("requireHeartbeat") is True:
            heartbeat = timedelta(seconds=_seconds(machine.attributes.get("heartbeatDuration")))
    except (TypeError, ValueError) as exc:
        raise LeaseError(f"The {verified.kind.label} holds a malformed value: {exc}.") from exc
    return SignedFacts(
        issued=verified.dataset.meta.issued,
        offline_until=verified.dataset.meta.expiry,
        expires_at=expires_at,
        features=verified.entitlements,
        licensee_name=_text(attributes.get("name")),
        max_machines=_count(attributes.get("maxMachines")),
        heartbeat=heartbeat,
        heartbeat_started=machine is None
        or machine.attributes.get("heartbeatStatus") not in (None, "NOT_STARTED"),
        machine_id=None if machine is None else machine.id,
    )


def _policy(verified: VerifiedFile, license_: Resource | None) -> Resource | None:
    if license_ is None:
        return None
    found = verified.dataset.find_included("policies", license_.related_id("policy"))
    return found[0] if found else None


def _seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("heartbeatDuration is not a positive number of seconds")
    return value


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
