"""The emulated organisation's key for Keymint offline licenses (``.lic``).

The format and its signer live beside the verifier, in
:mod:`license_guard.backends.keymint.signing` (one implementation, which the vendor's relay uses
too); they are named here again for the emulator's tests. ``license_guard.crypto`` (and so
``cryptography``) is imported when something is signed, never when the emulator is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from license_guard.backends.keymint.signing import SigningKey

__all__ = ["SigningKey"]  # and, loaded on first use, the other names of _FROM_SIGNING

# Named here, loaded on first use: importing the emulator must not load the client package
# (whose verifier imports cryptography).
_FROM_SIGNING = {
    "SigningKey": "SigningKey",
    "key_id": "key_id_of",
    "public_key_der": "public_key_der",
    "public_key_pem": "public_key_pem",
    "sign_offline_license": "sign_offline_license",
}


def __getattr__(name: str) -> Any:
    if name in _FROM_SIGNING:
        from license_guard.backends.keymint import signing

        return getattr(signing, _FROM_SIGNING[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
