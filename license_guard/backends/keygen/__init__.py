"""The Keygen backend (https://keygen.sh): signed answers, server-signed offline leases.

``KeygenBackend`` talks to the API (:mod:`.client` verifies each answer's signature), maps its
codes as data (:mod:`.codes`) and keeps the machine file the server signed as the lease's proof
(:mod:`.proof`). See ``docs/backends.md``.
"""

from __future__ import annotations

from license_guard.backends.keygen.backend import DEFAULT_BASE_URL, KeygenBackend
from license_guard.backends.keygen.codes import ERROR_CODES, VALIDATION_CODES

__all__ = ["DEFAULT_BASE_URL", "ERROR_CODES", "VALIDATION_CODES", "KeygenBackend"]
