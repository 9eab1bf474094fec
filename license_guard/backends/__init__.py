"""Licensing servers the guard can ask: the interface and its implementations.

``KeygenBackend`` is imported on first use: an app on Keymint never loads Keygen's signature
code, and an app on Keygen loads it when it builds its backend, not at ``import license_guard``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from license_guard.backends.base import Backend, LicenseInfo
from license_guard.backends.keymint.backend import KeymintBackend

if TYPE_CHECKING:
    from license_guard.backends.keygen import KeygenBackend

__all__ = ["Backend", "KeygenBackend", "KeymintBackend", "LicenseInfo"]


def __getattr__(name: str) -> Any:
    if name == "KeygenBackend":
        from license_guard.backends.keygen import KeygenBackend

        return KeygenBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
