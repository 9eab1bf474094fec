"""Check-outs: the options a client sends, and the ``license-files`` / ``machine-files``
resource holding the signed certificate (keygen-api.md sections 5 and 6)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from license_guard.emulator.keygen import documents as docs
from license_guard.emulator.keygen.errors import KeygenApiError
from license_guard.emulator.keygen.signer import AccountKey

__all__ = [
    "DEFAULT_TTL",
    "LICENSE_INCLUDES",
    "MACHINE_INCLUDES",
    "MIN_TTL",
    "Checkout",
    "check_options",
    "file_resource",
]

#: The smallest TTL a check-out accepts (one hour), and the default (one month, in seconds).
MIN_TTL = 3600
DEFAULT_TTL = 2629746

#: What a check-out may include (keygen-api.md section 5) among what the emulator fills.
MACHINE_INCLUDES = frozenset(
    {"license", "license.entitlements", "license.product", "license.policy"}
)
LICENSE_INCLUDES = frozenset({"entitlements", "product", "policy"})


@dataclass(frozen=True)
class Checkout:
    """The options of a check-out: encrypt the dataset, what to include, and the TTL in seconds
    (None: the file never expires)."""

    encrypt: bool = True
    include: tuple[str, ...] = ()
    ttl: int | None = DEFAULT_TTL


def check_options(options: Checkout, allowed: frozenset[str]) -> None:
    """Raise the API's 400 for an include outside *allowed* or a TTL under an hour."""
    unknown = [name for name in options.include if name not in allowed]
    if unknown:
        raise KeygenApiError(
            400,
            "CHECKOUT_INCLUDE_INVALID",
            f"unsupported include: {', '.join(unknown)}",
            source={"parameter": "include"},
        )
    if options.ttl is not None and options.ttl < MIN_TTL:
        raise KeygenApiError(
            400,
            "CHECKOUT_TTL_INVALID",
            "must be greater than or equal to 3600 (1 hour)",
            source={"parameter": "ttl"},
        )


def file_resource(  # noqa: PLR0917 -- the parts of one file, each of its own kind
    key: AccountKey,
    kind: str,
    data: dict[str, Any],
    included: list[dict[str, Any]],
    now: datetime,
    options: Checkout,
    secret: str,
) -> dict[str, Any]:
    """The ``{kind}-files`` document for *data* (a license or machine resource) and *included*,
    issued at *now*; *secret* (license key, plus fingerprint for a machine) encrypts it when
    ``options.encrypt``."""
    ttl = options.ttl
    expiry = None if ttl is None else docs.expiry_after(now, ttl)
    meta = {"issued": docs.timestamp(now), "expiry": docs.timestamp(expiry), "ttl": ttl}
    dataset: dict[str, Any] = {"data": data}
    if options.include:
        dataset["included"] = included
    dataset["meta"] = meta
    certificate = key.certificate(kind, dataset, secret=secret if options.encrypt else None)
    relationships: dict[str, Any] = {
        "account": {"data": {"type": "accounts", "id": key.account_id}},
        "license": {"data": {"type": "licenses", "id": data["id"]}},
    }
    if kind == "machine":
        relationships["license"] = {"data": data["relationships"]["license"]["data"]}
        relationships["machine"] = {"data": {"type": "machines", "id": data["id"]}}
    return {
        "data": {
            "id": str(uuid.uuid4()),
            "type": f"{kind}-files",
            "attributes": {
                "certificate": certificate,
                "algorithm": ("aes-256-gcm" if options.encrypt else "base64") + "+ed25519",
                "includes": list(options.include),
                "ttl": ttl,
                "expiry": meta["expiry"],
                "issued": meta["issued"],
            },
            "relationships": relationships,
        }
    }
