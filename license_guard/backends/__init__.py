"""Licensing servers the guard can ask: the interface and its implementations."""

from __future__ import annotations

from license_guard.backends.base import Backend, LicenseInfo
from license_guard.backends.keygen import KeygenBackend
from license_guard.backends.keymint import KeymintBackend

__all__ = ["Backend", "KeygenBackend", "KeymintBackend", "LicenseInfo"]
