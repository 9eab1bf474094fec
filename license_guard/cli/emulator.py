"""``license-guard emulator …``: run the emulator, manage its database, switch its faults.

::

    license-guard emulator serve [--port 0] [--db FILE]   (prints an admin token and writes the
                                                          offline-license public key PEM)
    license-guard emulator product add NAME [--inactive] --db FILE
    license-guard emulator product set-active ID yes|no --db FILE
    license-guard emulator product list --db FILE
    license-guard emulator token add [--product ID] --db FILE
    license-guard emulator token list --db FILE
    license-guard emulator customer add NAME [--email E] [--inactive] --db FILE
    license-guard emulator customer set-active ID yes|no --db FILE
    license-guard emulator customer list --db FILE
    license-guard emulator fault --url URL {clear,latency,hang,rate-limit,error,portal,reset,
                                            token-limit} ... [--times N]

``fault`` reads the admin secret that ``serve`` printed from ``LICENSE_GUARD_EMULATOR_ADMIN_TOKEN``;
``serve`` uses that variable's value as its secret too when it is set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from license_guard._redact import redact
from license_guard.emulator.control import (
    CLEAR,
    ControlRefusedError,
    EmulatorUnreachableError,
    send_fault_command,
)
from license_guard.emulator.errors import EmulatorError
from license_guard.emulator.faults import FaultKind
from license_guard.emulator.ids import new_admin_secret
from license_guard.emulator.keymint.emulator import Emulator
from license_guard.emulator.keymint.records import Seed
from license_guard.emulator.server import EmulatorServer

__all__ = ["ADMIN_TOKEN_ENV", "register"]

ADMIN_TOKEN_ENV = "LICENSE_GUARD_EMULATOR_ADMIN_TOKEN"  # noqa: S105  a variable name, no secret

# The command's documented exit codes (docs/cli.md) that `emulator fault` uses besides 0.
_EXIT_USAGE = 2
_EXIT_UNREACHABLE = 5

# The options of `fault` whose values go into the control command, under the same names.
_FAULT_PARAMETERS = ("seconds", "retry_after", "status", "max_requests", "per_seconds", "times")

Handler = Callable[[argparse.Namespace], int]


def register(commands: Any) -> None:
    """Add the ``emulator`` command group to the CLI's subparsers (*commands*)."""
    emulator = commands.add_parser(
        "emulator",
        help="a local Keymint-compatible licensing server",
        description="Run a Keymint-compatible licensing server on 127.0.0.1 and manage it.",
    )
    sub = _group(emulator)

    serve = sub.add_parser("serve", help="serve the Keymint API on 127.0.0.1 until Ctrl-C")
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    serve.add_argument("--db", type=Path, help="SQLite file to keep state in (default: memory)")
    serve.set_defaults(handler=_serve)

    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, required=True, help="the emulator's SQLite file")
    _register_products(_group(sub.add_parser("product", help="manage products")), db)
    _register_tokens(_group(sub.add_parser("token", help="manage access tokens")), db)
    _register_customers(_group(sub.add_parser("customer", help="manage customers")), db)
    _register_faults(sub.add_parser("fault", help="switch faults of a running emulator"))


def _group(parser: argparse.ArgumentParser) -> Any:
    """Subcommands of *parser*; the group alone prints its help and exits 2."""

    def show_help(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(handler=show_help)
    return parser.add_subparsers(metavar="COMMAND")


def _yes_no(text: str) -> bool:
    if text not in ("yes", "no"):
        raise argparse.ArgumentTypeError("answer yes or no")
    return text == "yes"


def _register_products(sub: Any, db: argparse.ArgumentParser) -> None:
    add = sub.add_parser("add", parents=[db], help="create a product; prints its id")
    add.add_argument("name")
    add.add_argument("--inactive", action="store_true", help="create it switched off")
    add.set_defaults(handler=_on_db(_product_add))
    _add_set_active(sub, db, "product", Emulator.set_product_active)
    sub.add_parser("list", parents=[db], help="list products").set_defaults(
        handler=_on_db(_product_list)
    )


def _register_tokens(sub: Any, db: argparse.ArgumentParser) -> None:
    add = sub.add_parser("add", parents=[db], help="create an access token; prints it")
    add.add_argument("--product", metavar="ID", help="scope it to this product (default: all)")
    add.set_defaults(handler=_on_db(_token_add))
    sub.add_parser("list", parents=[db], help="list tokens (last 4 characters)").set_defaults(
        handler=_on_db(_token_list)
    )


def _register_customers(sub: Any, db: argparse.ArgumentParser) -> None:
    add = sub.add_parser("add", parents=[db], help="create a customer; prints its id")
    add.add_argument("name")
    add.add_argument("--email")
    add.add_argument("--inactive", action="store_true", help="create it switched off")
    add.set_defaults(handler=_on_db(_customer_add))
    _add_set_active(sub, db, "customer", Emulator.set_customer_active)
    sub.add_parser("list", parents=[db], help="list customers").set_defaults(
        handler=_on_db(_customer_list)
    )


def _add_set_active(
    sub: Any,
    db: argparse.ArgumentParser,
    what: str,
    setter: Callable[[Emulator, str, bool], None],
) -> None:
    def set_active(emulator: Emulator, args: argparse.Namespace) -> str:
        setter(emulator, args.id, args.active)
        return f"{args.id} is now {'active' if args.active else 'inactive'}"

    parser = sub.add_parser("set-active", parents=[db], help=f"switch a {what} on or off")
    parser.add_argument("id")
    parser.add_argument("active", type=_yes_no, metavar="yes|no")
    parser.set_defaults(handler=_on_db(set_active))


def _active(active: bool) -> str:
    return "active  " if active else "inactive"


def _product_add(emulator: Emulator, args: argparse.Namespace) -> str:
    return emulator.create_product(args.name, active=not args.inactive)


def _product_list(emulator: Emulator, args: argparse.Namespace) -> str:
    return "\n".join(f"{p.id}  {_active(p.active)}  {p.name}" for p in emulator.products())


def _token_add(emulator: Emulator, args: argparse.Namespace) -> str:
    return emulator.create_access_token(args.product)


def _token_list(emulator: Emulator, args: argparse.Namespace) -> str:
    return "\n".join(
        f"{redact(t.token)}  {t.product_id or 'every product'}" for t in emulator.access_tokens()
    )


def _customer_add(emulator: Emulator, args: argparse.Namespace) -> str:
    return emulator.create_customer(args.name, email=args.email, active=not args.inactive)


def _customer_list(emulator: Emulator, args: argparse.Namespace) -> str:
    return "\n".join(
        f"{c.id}  {_active(c.active)}  {c.name}  {c.email or '-'}" for c in emulator.customers()
    )


def _on_db(action: Callable[[Emulator, argparse.Namespace], str]) -> Handler:
    """A handler that opens ``--db``, runs *action* and prints what it returns."""

    def handler(args: argparse.Namespace) -> int:
        try:
            with Emulator(args.db) as emulator:
                output = action(emulator, args)
        except EmulatorError as exc:
            print(f"license-guard: {exc}", file=sys.stderr)
            return 1
        if output:
            print(output)
        return 0

    return handler


def _register_faults(fault: argparse.ArgumentParser) -> None:
    fault.add_argument("--url", required=True, help="the URL `serve` printed")
    fault.set_defaults(handler=_fault)
    kinds = fault.add_subparsers(dest="fault", metavar="FAULT", required=True)
    kinds.add_parser(CLEAR, help="switch every fault off")

    def kind(name: FaultKind, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = kinds.add_parser(name.value, help=help)
        parser.add_argument("--times", type=int, help="only for the next N requests")
        return parser

    kind(FaultKind.LATENCY, "delay answers").add_argument("seconds", type=float)
    kind(FaultKind.HANG, "accept connections and never answer")
    kind(FaultKind.RESET, "reset connections (TCP RST)")
    kind(FaultKind.RATE_LIMIT, "answer 429 with Retry-After and a text body").add_argument(
        "--retry-after", type=int, default=1, metavar="SECONDS"
    )
    kind(FaultKind.SERVER_ERROR, "answer a 5xx HTML page").add_argument(
        "status", type=int, nargs="?", default=503
    )
    kind(FaultKind.CAPTIVE_PORTAL, "answer 200 with a Wi-Fi sign-in page")
    token_limit = kind(FaultKind.TOKEN_RATE_LIMIT, "429 JSON (code 3) past N requests per token")
    token_limit.add_argument("max_requests", type=int, metavar="MAX_REQUESTS")
    token_limit.add_argument("per_seconds", type=float, metavar="PER_SECONDS")


def _fault(args: argparse.Namespace) -> int:
    secret = (os.environ.get(ADMIN_TOKEN_ENV) or "").strip()
    if not secret or not secret.isprintable():
        # Never echoed: it is a secret, even when it is a malformed one.
        print(
            f"license-guard: set {ADMIN_TOKEN_ENV} to the admin secret `emulator serve` printed "
            "(one line, no control characters)",
            file=sys.stderr,
        )
        return _EXIT_USAGE
    command = {"fault": args.fault}
    command.update({name: getattr(args, name) for name in _FAULT_PARAMETERS if name in args})
    try:
        print(send_fault_command(args.url, secret, command))
    except EmulatorUnreachableError as exc:
        print(f"license-guard: {exc}", file=sys.stderr)
        return _EXIT_UNREACHABLE
    except ControlRefusedError as exc:
        print(f"license-guard: {exc}", file=sys.stderr)
        return _EXIT_USAGE
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both end ``serve`` cleanly (state closed, "stopped" printed).

    Set explicitly: a process started in the background by a shell inherits SIGINT ignored,
    and a server that cannot be stopped the documented way would hang its caller.
    """

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def _serve(args: argparse.Namespace) -> int:
    _stop_on_signals()
    from_env = os.environ.get(ADMIN_TOKEN_ENV)
    admin_secret = from_env or new_admin_secret()
    try:
        emulator = Emulator(args.db, admin_secret=admin_secret)
    except EmulatorError as exc:
        print(f"license-guard: {exc}", file=sys.stderr)
        return 1
    # The offline-license public key: beside --db (the key is kept in the database), else in a
    # temporary folder removed on exit (the key lives in memory only).
    temporary = None
    if args.db is None:
        temporary = Path(tempfile.mkdtemp(prefix="license-guard-emulator-"))
        public_key = temporary / "public-key.pem"
    else:
        public_key = args.db.with_name(f"{args.db.stem}-public-key.pem")
    try:
        stored = emulator.stored_seed()
        seed = stored or emulator.seed()
        admin_token = emulator.admin_token()
        public_key.write_text(emulator.public_key_pem, encoding="ascii")
        with EmulatorServer(emulator, port=args.port) as server:
            where = "in memory (lost on exit)" if args.db is None else str(args.db)
            if stored is not None:
                where += " (seed reused)"
            secret_shown = f"(from {ADMIN_TOKEN_ENV})" if from_env else admin_secret
            banner = _banner(
                server.url,
                where,
                seed,
                admin_secret=secret_shown,
                admin_token=admin_token,
                public_key=public_key,
            )
            print(banner, flush=True)
            while True:  # until Ctrl-C; time.sleep is interruptible on every platform
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, or not ours to bind
        print(f"license-guard: cannot serve on port {args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        emulator.close()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    print("Keymint emulator stopped.", flush=True)
    return 0


def _banner(
    url: str, where: str, seed: Seed, *, admin_secret: str, admin_token: str, public_key: Path
) -> str:
    return "\n".join(
        [
            "Keymint emulator running (API generations 1 and 2)",
            f"  url:           {url}",
            f"  database:      {where}",
            f"  product id:    {seed.product_id}",
            f"  access token:  {seed.access_token}  (scoped to this product)",
            f"  license key:   {seed.license_key}",
            f"  customer id:   {seed.customer_id}",
            f"  admin token:   {admin_token}  (admin scope: /key/sign)",
            f"  public key:    {public_key}",
            f"  admin secret:  {admin_secret}",
            f"  faults:        {ADMIN_TOKEN_ENV}=<admin secret> "
            f"license-guard emulator fault --url {url} …",
            "Press Ctrl-C to stop.",
        ]
    )
