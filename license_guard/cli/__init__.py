"""The ``license-guard`` command: ``main(argv) -> exit code``.

Exit codes (stable, for installers and scripts):

==  =====================================================================================
0   success; for ``status``: licensed (active or in grace)
1   unexpected failure (one line on stderr; ``--debug`` shows the traceback)
2   bad usage or configuration (missing setting, bad token, unknown product)
3   not activated on this computer
4   the server refused the license (invalid, expired, blocked, full, device removed)
5   the licensing server could not be reached (nothing was changed)
6   the local lease cannot be trusted, the offline grace is over, or the clock is wrong
7   a license file could not be read or written (disk full, permissions), or no device ID
==  =====================================================================================
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from license_guard import __version__
from license_guard.cli.exits import (
    EXIT_CODES,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    exit_code_for,
)
from license_guard.errors import LicenseError

__all__ = ["COMMANDS", "EXIT_CODES", "build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]

#: Each command and the module that registers and runs it. A command line loads only the
#: module of its command, so ``license-guard status`` never imports the emulator or the vendor
#: tools; ``--help`` (or a mistyped command) loads them all to list them.
COMMANDS: Mapping[str, str] = {
    "demo": "license_guard.cli.demo",
    "fingerprint": "license_guard.cli.license",
    "activate": "license_guard.cli.license",
    "status": "license_guard.cli.license",
    "release": "license_guard.cli.license",
    "emulator": "license_guard.cli.emulator",
    "admin": "license_guard.cli.admin",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: the command named in *argv* only, or every command (for help)."""
    parser = argparse.ArgumentParser(
        prog="license-guard",
        description="Device-bound licensing for Python desktop apps.",
        epilog="Exit codes: 0 ok, 2 configuration, 3 not activated, 4 refused, "
        "5 unreachable, 6 untrusted lease/grace over/clock, 7 storage. See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = COMMANDS.get(_command_of(argv) or "")
    modules = [module] if module else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line; returns the process exit code. Never raises for license errors."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    _configure_logging(args)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args.environ = os.environ if environ is None else environ
    return _run(handler, args)


def _command_of(argv: Sequence[str] | None) -> str | None:
    """The command word: the first argument that is not an option (global options take no
    values)."""
    for argument in argv or ():
        if not argument.startswith("-"):
            return argument
    return None


def _run(handler: Handler, args: argparse.Namespace) -> int:
    """Run *handler*, turning every failure into one line on stderr and an exit code."""
    try:
        return handler(args)
    except LicenseError as exc:
        if args.debug:
            import logging

            logging.getLogger("license_guard").exception("command failed")
        _fail(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        _fail("Interrupted.")
        return 130
    except BrokenPipeError:
        # The reader went away (`license-guard status | head`): nothing left to tell anyone.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        # The type only: an exception's text can quote its input, which may be a license key.
        _fail(f"Unexpected error ({type(exc).__name__}). Run again with --debug for details.")
        return EXIT_FAILURE


def _fail(message: str) -> None:
    print(f"license-guard: {message}", file=sys.stderr)


def _configure_logging(args: argparse.Namespace) -> None:
    if args.debug or args.verbose:
        import logging  # only when asked for: a start without logs does not load it

        logging.basicConfig(
            level=logging.DEBUG if args.debug else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's exit flush does not fail on the broken pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
