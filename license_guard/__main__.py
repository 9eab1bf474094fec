"""``python -m license_guard`` runs the ``license-guard`` command."""

from __future__ import annotations

import sys

from license_guard.cli import main

sys.exit(main())
