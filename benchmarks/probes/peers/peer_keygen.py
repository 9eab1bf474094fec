"""keygen-sdk (unofficial, for Keygen): a machine file checked out for this device, verified with
the account's public key and decrypted with the license key and the fingerprint.

The SDK computes no fingerprint (Keygen leaves that to the app): the app here hashes the OS's
machine ID, as Keygen's guides suggest.
"""

import hashlib
import os
import uuid
from pathlib import Path


def load() -> None:
    import keygen  # noqa: F401


def identify(files: Path) -> str:
    """The app's own fingerprint: SHA-256 of /etc/machine-id, else of the MAC address."""
    try:
        seed = Path("/etc/machine-id").read_text(encoding="ascii").strip()
    except OSError:
        seed = str(uuid.getnode())
    return hashlib.sha256(seed.encode()).hexdigest()


def host_id(identity: str) -> str:
    return identity


def _verified(text: str, fingerprint: str) -> object:
    from keygen import MachineFile

    machine_file = MachineFile(certificate=text)
    machine_file.verify(os.environ["PEER_KEYGEN_PUBLIC_KEY"])
    dataset = machine_file.decrypt(os.environ["PEER_KEYGEN_LICENSE_KEY"] + fingerprint)
    if dataset.machine.fingerprint != fingerprint:
        raise SystemExit("keygen: the machine file is for another device")
    return dataset


def open_license(files: Path, fingerprint: str) -> object:
    text = (files / "keygen-machine.lic").read_text(encoding="ascii")
    _verified(text, fingerprint)
    return text


def check(text: object, fingerprint: str) -> object:
    """The SDK has no check of a file held in memory: its check verifies and decrypts again."""
    return lambda: _verified(text, fingerprint)  # type: ignore[arg-type]


def identify_again(files: Path) -> object:
    return None  # no host-ID function in the SDK
