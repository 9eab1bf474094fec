"""``license-guard admin …``: the vendor's support commands, on :class:`KeymintAdmin`.

::

    license-guard admin create-key [--uses N] [--expires DATE]
                                   [--customer-id ID | --new-customer NAME [--email E]] [--json]
    license-guard admin show-key KEY [--json]
    license-guard admin block KEY
    license-guard admin unblock KEY
    license-guard admin free-device KEY HOST_ID
    license-guard admin free-all KEY [--yes]

KEY may be ``-`` to read it from stdin (hidden when typed), so keys stay out of shell history.
The admin token comes from ``--token-file FILE``, else ``LICENSE_GUARD_ADMIN_TOKEN``, else
``admin_token`` in the config file; never from a flag, and never from the app's
``LICENSE_GUARD_ACCESS_TOKEN``. Exit codes are the CLI's (``license_guard.cli``).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

from license_guard._console import print_json, read_key
from license_guard._redact import redact
from license_guard.admin.client import KeymintAdmin
from license_guard.admin.render import HOST_ID_SHOWN, customer_line, details_text, when
from license_guard.backends.keymint.answers import KeyDetails, NewCustomer, parse_time
from license_guard.backends.keymint.api import DEFAULT_BASE_URL
from license_guard.cli.exits import EXIT_OK
from license_guard.config import load_settings
from license_guard.errors import ConfigurationError, LicenseError

__all__ = ["ADMIN_TOKEN_ENV", "register"]

ADMIN_TOKEN_ENV = "LICENSE_GUARD_ADMIN_TOKEN"  # noqa: S105  a variable name, no secret

Handler = Callable[[argparse.Namespace], int]


def register(commands: Any) -> None:
    """Add the ``admin`` command group to the CLI's subparsers (*commands*)."""
    admin = commands.add_parser(
        "admin",
        help="vendor tools: create and look up keys, block them, free devices",
        description="Manage Keymint license keys with the vendor's admin token. For the "
        "vendor's back office and support desk, never for the shipped app.",
    )
    admin.set_defaults(handler=lambda args: _help(admin))
    sub = admin.add_subparsers(metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings (else LICENSE_GUARD_* variables or config file)")
    group.add_argument("--config", metavar="FILE", help="INI config file")
    group.add_argument("--product-id", help="Keymint product id ($LICENSE_GUARD_PRODUCT_ID)")
    group.add_argument("--base-url", help="licensing server URL ($LICENSE_GUARD_BASE_URL)")
    group.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"read the admin token from FILE (else ${ADMIN_TOKEN_ENV}, else the config file)",
    )
    key_help = "the license key, or - to read it from stdin"

    create = sub.add_parser("create-key", parents=[common], help="create a license key")
    create.add_argument("--uses", type=int, metavar="N", help="activations allowed (default: any)")
    create.add_argument(
        "--expires",
        metavar="DATE",
        help="2031-12-31 (end of that day, UTC) or 2031-12-31T18:00:00Z "
        "(default: the server's, one month)",
    )
    owner = create.add_mutually_exclusive_group()
    owner.add_argument("--customer-id", metavar="ID", help="an existing customer")
    owner.add_argument("--new-customer", metavar="NAME", help="create this customer too")
    create.add_argument("--email", help="the new customer's e-mail (with --new-customer)")
    create.add_argument("--json", action="store_true", help="machine-readable output")
    create.set_defaults(handler=_explained(_create_key))

    show = sub.add_parser("show-key", parents=[common], help="show a key, its customer and devices")
    show.add_argument("key", help=key_help)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=_explained(_show_key))

    for name, action, text in (
        ("block", _block, "block a key (a refund, abuse): its devices stop at their next check"),
        ("unblock", _unblock, "unblock a key"),
    ):
        parser = sub.add_parser(name, parents=[common], help=text)
        parser.add_argument("key", help=key_help)
        parser.set_defaults(handler=_explained(action))

    free = sub.add_parser("free-device", parents=[common], help="free one device's seat")
    free.add_argument("key", help=key_help)
    free.add_argument(
        "host_id",
        metavar="HOST_ID",
        help=f"the device's host ID, or a unique prefix of at least {HOST_ID_SHOWN - 4} "
        "characters as show-key prints it",
    )
    free.set_defaults(handler=_explained(_free_device))

    free_all = sub.add_parser("free-all", parents=[common], help="free every seat of a key")
    free_all.add_argument("key", help=key_help)
    free_all.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    free_all.set_defaults(handler=_explained(_free_all))


# -- handlers ---------------------------------------------------------------------------------


def _create_key(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    if args.email is not None and args.new_customer is None:
        raise ConfigurationError("--email goes with --new-customer.")
    if args.uses is not None and args.uses < 1:  # said here, in the flag's name
        raise ConfigurationError(f"--uses must be at least 1, not {args.uses}.")
    new_customer = None
    if args.new_customer is not None:
        new_customer = NewCustomer(args.new_customer, args.email)
    key = admin.create_key(
        uses_per_key=args.uses,
        expires_at=None if args.expires is None else _expiry(args.expires),
        customer_id=args.customer_id,
        new_customer=new_customer,
    )
    try:
        details: KeyDetails | None = admin.get_key(key)
    except LicenseError as exc:  # the key exists: print it whatever the lookup says
        print(f"license-guard: created, but its details are unavailable: {exc}", file=sys.stderr)
        details = None
    if args.json:
        print_json({"key": key, **(details.to_json() if details else {})})
        return EXIT_OK
    print(f"Created license key: {key}")
    if details is not None:
        license_ = details.license
        print(f"{'Customer:':<10} {customer_line(details.customer)}")
        print(f"{'Seats:':<10} {license_.usage_limit or 'unlimited'}")
        print(f"{'Expires:':<10} {when(license_.expires_at) if license_.expires_at else 'never'}")
    return EXIT_OK


def _show_key(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    details = admin.get_key(_key(args))
    if args.json:
        print_json(details.to_json())
    else:
        print(details_text(details))
    return EXIT_OK


def _block(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    key = _key(args)
    admin.block_key(key)
    print(
        f"Blocked key {redact(key)}: it cannot be activated, and each device refuses it at its "
        "next online check, until it is unblocked."
    )
    return EXIT_OK


def _unblock(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    key = _key(args)
    admin.unblock_key(key)
    print(f"Unblocked key {redact(key)}: its devices accept it again at their next check.")
    return EXIT_OK


def _free_device(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    key = _key(args)
    license_ = admin.get_key(key).license
    host_id = _resolve_host_id(args.host_id, [device.host_id for device in license_.devices])
    device = license_.device(host_id)
    if admin.deactivate_device(key, host_id):
        tag = f"{device.device_tag} ({host_id})" if device and device.device_tag else host_id
        print(f"Freed the seat of {tag} on key {redact(key)}.")
    else:
        print(
            f"Nothing to free: no device with host ID {host_id} is activated on key "
            f"{redact(key)} (show-key lists its devices)."
        )
    return EXIT_OK


def _free_all(args: argparse.Namespace, admin: KeymintAdmin) -> int:
    key = _key(args)
    details = admin.get_key(key)
    count = len(details.license.devices)
    if count and not args.yes:
        owner = f" ({details.customer.name})" if details.customer and details.customer.name else ""
        _confirm(
            f"Free all {count} seat(s) of key {redact(key)}{owner}? "
            "Each device must be activated again. [y/N] "
        )
    if count and admin.deactivate_all(key):
        print(f"Freed all {count} seat(s) of key {redact(key)}.")
    else:
        print(f"Nothing to free: key {redact(key)} has no activated device.")
    return EXIT_OK


# -- helpers ----------------------------------------------------------------------------------


def _explained(action: Callable[[argparse.Namespace, KeymintAdmin], int]) -> Handler:
    """A handler that builds the client for *action* and adds the server's text to its errors:
    its own words ("Invalid email: …", "Customer with ID … not found") help support staff."""

    @functools.wraps(action)
    def handler(args: argparse.Namespace) -> int:
        try:
            with _admin(args) as admin:
                return action(args, admin)
        except LicenseError as exc:
            if exc.server_message and exc.server_message not in exc.message:
                exc.message = f"{exc.message} (server: {exc.server_message})"
            raise

    return handler


def _admin(args: argparse.Namespace) -> KeymintAdmin:
    flags = {"product_id": args.product_id, "base_url": args.base_url}
    settings = load_settings(flags, args.environ, config_file=args.config)
    (product_id,) = settings.need("product_id")
    if args.token_file:
        token = _read_token_file(Path(args.token_file))
    elif settings.admin_token:
        token = settings.admin_token
    else:
        raise ConfigurationError(
            f"No admin token: set {ADMIN_TOKEN_ENV}, pass --token-file FILE, or put admin_token "
            "in the config file (the app's LICENSE_GUARD_ACCESS_TOKEN is not used here)."
        )
    return KeymintAdmin(
        access_token=token,
        base_url=settings.base_url or DEFAULT_BASE_URL,
        product_id=product_id,
    )


def _read_token_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"Cannot read the admin token file {path}: {exc}.") from exc
    token = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not token:
        raise ConfigurationError(f"The admin token file {path} is empty.")
    return token


def _key(args: argparse.Namespace) -> str:
    key: str = read_key(sys.stdin) if args.key == "-" else args.key
    return key


def _expiry(text: str) -> datetime:
    """``--expires``: a bare date means the end of that day in UTC; a time without zone is UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), timezone.utc)
        given = datetime.fromisoformat(text.strip().removesuffix("Z").removesuffix("z"))
        if given.tzinfo is None:
            # Support staff type a time as they read it in the docs: without a zone, UTC.
            text = given.isoformat() + "Z"
        return parse_time(text)
    except ValueError as exc:
        raise ConfigurationError(
            f"--expires {text!r} is not a date (2031-12-31) or an ISO 8601 time "
            "(2031-12-31T18:00:00Z)."
        ) from exc


def _resolve_host_id(given: str, listed: list[str]) -> str:
    """*given* itself, or the one listed host ID it is a long enough prefix of."""
    prefix = given.rstrip("…")
    if prefix in listed or len(prefix) < HOST_ID_SHOWN - 4:
        return prefix
    matches = [host_id for host_id in listed if host_id.startswith(prefix)]
    if len(matches) > 1:
        raise ConfigurationError(
            f"The host ID {given} matches {len(matches)} devices of this key; give more of it."
        )
    return matches[0] if matches else prefix


def _confirm(question: str) -> None:
    print(question, end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise ConfigurationError("Not confirmed: nothing was freed (--yes skips the question).")


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
