"""``license-guard emulator ...`` (placeholder until the emulator lands)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``emulator`` command group to the CLI's subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser("emulator", help="local Keymint server")
    parser.set_defaults(handler=lambda args: 2)
