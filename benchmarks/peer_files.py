"""The peers' license files, made for this run and bound to this device: each one signed (or, for
LicenseSpring, written by the SDK's own storage) with keys made here, in the format each
library's offline check reads, so that every check runs offline, as on a customer's computer.

Formats, from each package's own documentation and source:

* Keymint ``.lic``: ``{"signedKey": <JWT>}``, an EdDSA (Ed25519) JWT whose ``kid`` is the
  base64url SHA-256 of the public key's SPKI DER, with claims ``type`` ``"offline"``,
  ``productId``, ``machineCode``, ``sub`` (the key), ``iat`` and ``exp``.
* Cryptolens, as ``LicenseKey.save_as_string`` writes it: ``{"licenseKey": <base64 JSON>,
  "signature": <base64 RSA PKCS#1 v1.5 SHA-256 signature of those bytes>, "result": 0, ...}``;
  the public key is the dashboard's ``<RSAKeyValue>`` XML.
* Keygen: a machine file checked out by license_guard's own Keygen emulator (encrypted,
  ``aes-256-gcm+ed25519``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from license_guard.emulator.keygen import KeygenEmulator

__all__ = ["PRODUCT", "KeygenFiles", "write_cryptolens", "write_keygen", "write_keymint"]

PRODUCT = "bench"
LICENSE_DAYS = 30
_KEY = "BENCH-KEY-0001"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write_keymint(folder: Path, machine_code: str) -> None:
    """``keymint.lic`` for *machine_code*, and ``keymint-public.pem``, its verify key."""
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    header = {"alg": "EdDSA", "typ": "JWT", "kid": _b64url(hashlib.sha256(der).digest())}
    claims = {
        "type": "offline",
        "productId": PRODUCT,
        "machineCode": machine_code,
        "sub": _KEY,
        "iat": now,
        "exp": now + LICENSE_DAYS * 86400,
    }
    signing = ".".join(_b64url(json.dumps(part).encode()) for part in (header, claims))
    token = f"{signing}.{_b64url(private.sign(signing.encode('ascii')))}"
    (folder / "keymint.lic").write_text(json.dumps({"signedKey": token}), encoding="utf-8")
    (folder / "keymint-public.pem").write_bytes(pem)


def write_cryptolens(folder: Path, machine_code: str) -> None:
    """``cryptolens.skm`` activated on *machine_code*, and ``cryptolens-public.xml``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    modulus = base64.b64encode(numbers.n.to_bytes(256, "big")).decode("ascii")
    exponent = base64.b64encode(numbers.e.to_bytes(3, "big")).decode("ascii")
    now = int(time.time())
    license_key = {
        "ProductId": 1,
        "ID": 1,
        "Key": _KEY,
        "Created": now,
        "Expires": now + LICENSE_DAYS * 86400,
        "Period": LICENSE_DAYS,
        **{f"F{n}": False for n in range(1, 9)},
        "Notes": "",
        "Block": False,
        "GlobalId": 1,
        "Customer": None,
        "ActivatedMachines": [{"IP": "127.0.0.1", "Mid": machine_code, "Time": now}],
        "TrialActivation": False,
        "MaxNoOfMachines": 5,
        "AllowedMachines": "",
        "DataObjects": [],
        "SignDate": now,
    }
    raw = json.dumps(license_key).encode()
    signature = private.sign(raw, padding.PKCS1v15(), hashes.SHA256())
    saved = {
        "licenseKey": base64.b64encode(raw).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
        "result": 0,
        "message": "",
        "metadata": None,
    }
    (folder / "cryptolens.skm").write_text(json.dumps(saved), encoding="utf-8")
    xml = f"<RSAKeyValue><Modulus>{modulus}</Modulus><Exponent>{exponent}</Exponent></RSAKeyValue>"
    (folder / "cryptolens-public.xml").write_text(xml, encoding="ascii")


@dataclass(frozen=True)
class KeygenFiles:
    """What a keygen-sdk app ships (the account's public key) and its customer types in."""

    public_key: str
    license_key: str


def write_keygen(folder: Path, fingerprint: str) -> KeygenFiles:
    """``keygen-machine.lic``: a machine file for *fingerprint*, from a fresh Keygen emulator."""
    emulator = KeygenEmulator()
    try:
        seed = emulator.seed()
        emulator.activate_machine(seed.license_key, fingerprint)
        certificate = emulator.machine_file(seed.license_key, fingerprint)
    finally:
        emulator.close()
    (folder / "keygen-machine.lic").write_text(certificate, encoding="ascii")
    return KeygenFiles(public_key=seed.public_key, license_key=seed.license_key)
