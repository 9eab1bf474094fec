"""``license-guard demo``: every behaviour of the guard, against an emulator in this process."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``demo`` to *commands*."""
    demo = commands.add_parser("demo", help="walk through every behaviour on a local server")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from license_guard.demo import run_demo

    return run_demo(sys.stdout)
