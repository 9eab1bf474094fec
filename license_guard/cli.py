"""The ``license-guard`` command: ``main(argv) -> exit code``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from license_guard.emulator.cli import register as register_emulator

    parser = argparse.ArgumentParser(
        prog="license-guard", description="Device-bound licensing for Python desktop apps."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_emulator(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    result: int = handler(args)
    return result
