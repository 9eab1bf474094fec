"""Keygen's signed artefacts, verified offline (the public home of
:mod:`license_guard.backends.keygen.formats`, where the code lives beside the Keygen backend).

``from license_guard.keygen import verify_machine_file`` and the rest keep working; see
``docs/keygen-formats.md``.
"""

from __future__ import annotations

from license_guard.backends.keygen.formats import *  # noqa: F403  the same names, public here
from license_guard.backends.keygen.formats import __all__ as __all__
