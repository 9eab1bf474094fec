"""Everything Keymint (https://keymint.dev) on the client side.

- :mod:`.api`: the API contract as data (paths, error rows, the checks a request must pass);
- :mod:`.answers`: one typed parser of Keymint's answers, used by the backend and by
  :mod:`license_guard.admin`;
- :mod:`.backend`: ``KeymintBackend`` behind :class:`~license_guard.LicenseGuard`.
"""

from __future__ import annotations

from license_guard.backends.keymint.api import DEFAULT_BASE_URL
from license_guard.backends.keymint.backend import KeymintBackend

__all__ = ["DEFAULT_BASE_URL", "KeymintBackend"]
