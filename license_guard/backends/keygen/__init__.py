"""Everything Keygen (https://keygen.sh): the backend and the file formats it signs.

- :mod:`.backend`: ``KeygenBackend`` behind :class:`~license_guard.LicenseGuard`;
  :mod:`.client` verifies each answer's signature, :mod:`.codes` maps its codes as data,
  :mod:`.validation` reads validate-key, :mod:`.proof` keeps the machine file the server signed
  as the lease's proof.
- :mod:`.formats`: license files, machine files, signed keys, signed responses and webhooks,
  verified offline (public as :mod:`license_guard.keygen`).

The backend is imported on first use, so ``import license_guard.keygen`` (the formats alone)
does not load the HTTP layer. See ``docs/backends.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from license_guard.backends.keygen.backend import DEFAULT_BASE_URL, KeygenBackend
    from license_guard.backends.keygen.codes import ERROR_CODES, VALIDATION_CODES

__all__ = ["DEFAULT_BASE_URL", "ERROR_CODES", "VALIDATION_CODES", "KeygenBackend"]


def __getattr__(name: str) -> Any:
    if name in ("DEFAULT_BASE_URL", "KeygenBackend"):
        from license_guard.backends.keygen import backend

        return getattr(backend, name)
    if name in ("ERROR_CODES", "VALIDATION_CODES"):
        from license_guard.backends.keygen import codes

        return getattr(codes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
