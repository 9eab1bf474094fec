"""The emulated organisation's key for Keymint offline licenses (``.lic``).

The format and its signer live beside the verifier, in
:mod:`license_guard.backends.keymint.signing` (one implementation, which the vendor's relay uses
too); they are named here again for the emulator's tests. ``license_guard.crypto`` (and so
``cryptography``) is imported when something is signed, never when the emulator is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["SigningKey"]  # and, loaded on first use, the names of _FROM_SIGNING

# Named here, loaded on first use: importing the emulator must not load the client package
# (whose verifier imports cryptography).
_FROM_SIGNING = {
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


class SigningKey:
    """The emulated organization's signing key: a raw Ed25519 pair and what is derived from it."""

    def __init__(self, private_key: bytes) -> None:
        from license_guard import crypto
        from license_guard.backends.keymint.signing import key_id_of

        self._private = private_key
        #: The raw 32-byte public key.
        self.public_key = crypto.ed25519_public_key(private_key)
        #: The ``kid`` every license it signs carries.
        self.kid = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key pair."""
        from license_guard import crypto

        private, _ = crypto.new_ed25519_key()
        return cls(private)

    @property
    def private_bytes(self) -> bytes:
        """The raw private key (the emulator stores it in its database: it is no real secret)."""
        return self._private

    @property
    def public_pem(self) -> str:
        """The public key as an SPKI PEM."""
        from license_guard.backends.keymint.signing import public_key_pem

        return public_key_pem(self.public_key)

    def sign(
        self,
        *,
        product_id: str,
        machine_code: str,
        license_key: str,
        expires_at: datetime,
        issued_at: datetime,
    ) -> str:
        """A ``.lic`` file signed by this key (see :func:`sign_offline_license`)."""
        from license_guard.backends.keymint.signing import sign_offline_license

        return sign_offline_license(
            self._private,
            product_id=product_id,
            machine_code=machine_code,
            license_key=license_key,
            expires_at=expires_at,
            issued_at=issued_at,
            kid=self.kid,
        )

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid})"
