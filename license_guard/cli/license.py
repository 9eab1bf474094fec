"""``license-guard fingerprint | activate | status | release``: this computer's license.

Imports nothing of the emulator or the vendor tools, and nothing of httpx until a command goes
online (the backend loads it on its first request).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from license_guard._console import print_json, read_key
from license_guard.cli.exits import EXIT_OK, STATE_EXIT_CODES
from license_guard.config import (
    ENV_PREFIX,
    FIELDS,
    Settings,
    env_name,
    feature_set,
    load_settings,
    yes,
)
from license_guard.errors import (
    ConfigurationError,
    LeaseError,
    LicenseDeniedError,
    LicenseUnreachableError,
    NotActivatedError,
    StorageError,
)
from license_guard.status import LicenseStatus
from license_guard.store import default_data_dir

if TYPE_CHECKING:
    from license_guard.backends.base import Backend
    from license_guard.guard import LicenseGuard

__all__ = ["BACKENDS", "register"]

BACKENDS = ("keymint", "keygen")

# Every variable an app command reads (the admin token is the admin commands' own).
_ENVIRONMENT_HELP = (
    "Environment variables read: "
    + ", ".join([env_name(name) for name in FIELDS if name != "admin_token"])
    + f", {ENV_PREFIX}CONFIG; and, to reach the server, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, "
    "NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR. The access token comes only from the environment "
    "or the config file."
)

# Stands in for the access token of a command that never calls the server (status).
_NEVER_SENT = "not-used-offline"


def register(commands: Any) -> None:
    """Add ``fingerprint``, ``activate``, ``status`` and ``release`` to *commands*."""
    settings = argparse.ArgumentParser(add_help=False)
    group = settings.add_argument_group(
        "settings (else LICENSE_GUARD_* variables or config file)", description=_ENVIRONMENT_HELP
    )
    group.add_argument("--config", metavar="FILE", help="INI config file")
    group.add_argument("--app-id", help="the app id the vendor chose ($LICENSE_GUARD_APP_ID)")
    group.add_argument("--product-id", help="Keymint product id ($LICENSE_GUARD_PRODUCT_ID)")
    group.add_argument("--base-url", help="licensing server URL ($LICENSE_GUARD_BASE_URL)")
    group.add_argument("--data-dir", metavar="DIR", help="lease folder ($LICENSE_GUARD_DATA_DIR)")
    group.add_argument(
        "--backend", choices=BACKENDS, help="licensing server type ($LICENSE_GUARD_BACKEND)"
    )
    group.add_argument("--account", help="Keygen account id ($LICENSE_GUARD_KEYGEN_ACCOUNT)")
    group.add_argument(
        "--public-key", help="Keygen Ed25519 public key, hex ($LICENSE_GUARD_KEYGEN_PUBLIC_KEY)"
    )

    fingerprint = commands.add_parser(
        "fingerprint", parents=[settings], help="print this computer's host ID for the app"
    )
    fingerprint.add_argument("--json", action="store_true", help="machine-readable output")
    fingerprint.set_defaults(handler=_fingerprint)

    activate = commands.add_parser("activate", parents=[settings], help="activate this computer")
    activate.add_argument("key", nargs="?", help="the license key (read from stdin if omitted)")
    activate.add_argument("--device-tag", help="a name for this computer, e.g. 'Studio PC'")
    activate.add_argument(
        "--file",
        metavar="LICENSE_FILE",
        help="activate offline from the signed license or machine file the vendor sent (Keygen)",
    )
    activate.set_defaults(handler=_activate)

    status = commands.add_parser("status", parents=[settings], help="show the license state")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--online", action="store_true", help="ask the server first")
    status.set_defaults(handler=_status)

    release = commands.add_parser(
        "release", parents=[settings], help="free this computer's seat (for uninstallers)"
    )
    release.set_defaults(handler=_release)


# -- handlers -----------------------------------------------------------------------------


def _fingerprint(args: argparse.Namespace) -> int:
    settings = _settings(args)
    (app_id,) = settings.need("app_id")
    from license_guard.hostid import default_sources, resolve_host_identity

    data_dir = _data_dir(settings, app_id)
    sources = default_sources(install_id_path=data_dir / "install-id", override=settings.device_id)
    identity = resolve_host_identity(app_id, sources)
    if args.json:
        print_json({"app_id": app_id, "host_id": identity.host_id, "source": identity.source})
    else:
        print(identity.host_id)
        if args.verbose:
            print(f"(derived from the {identity.source} for app {app_id})")
    return EXIT_OK


def _activate(args: argparse.Namespace) -> int:
    guard = _guard(args)
    signed_file = None if args.file is None else _read_file(Path(args.file))
    key = args.key
    if key in (None, "-"):
        key = read_key(sys.stdin)
    status = guard.activate(key, device_tag=args.device_tag, signed_file=signed_file)
    how = "Activated from the license file." if status.air_gapped else "Activated."
    print(f"{how} {status.detail}")
    _print_status(status, sys.stdout)
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    guard = _guard(args, offline=not args.online)
    if args.online:
        try:
            status = guard.revalidate()
        except (LicenseDeniedError, LeaseError, NotActivatedError):
            status = guard.status()
    else:
        status = guard.status()
    if args.json:
        payload = status.to_json()
        payload["lease_file"] = str(guard.store.path)
        print_json(payload)
    else:
        _print_status(status, sys.stdout)
        print(f"Lease file:   {guard.store.path}")
    return STATE_EXIT_CODES[status.state]


def _release(args: argparse.Namespace) -> int:
    guard = _guard(args)
    file_activated = guard.status().air_gapped
    try:
        freed = guard.release()
    except LicenseUnreachableError as exc:
        raise LicenseUnreachableError(
            f"{exc} The seat is still taken and the lease was kept: run this again when online, "
            f"or ask the vendor to free host ID {guard.host_id}."
        ) from exc
    if freed:
        print("Seat released.")
    elif file_activated:
        print(
            "This computer was activated from a license file, so the licensing server was not "
            f"told: its lease was removed here. Ask the vendor to free host ID {guard.host_id}."
        )
    else:
        print("Nothing to release on this computer.")
    return EXIT_OK


# -- helpers ------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        "app_id": args.app_id,
        "product_id": args.product_id,
        "base_url": args.base_url,
        "data_dir": args.data_dir,
        "backend": args.backend,
        "account": args.account,
        "public_key": args.public_key,
    }
    return load_settings(flags, args.environ, config_file=args.config)


def _data_dir(settings: Settings, app_id: str) -> Path:
    return Path(settings.data_dir) if settings.data_dir else default_data_dir(app_id)


def _guard(args: argparse.Namespace, *, offline: bool = False) -> LicenseGuard:
    from license_guard.guard import LicenseGuard

    settings = _settings(args)
    (app_id,) = settings.need("app_id")
    backend = _backend(settings, offline=offline)
    return LicenseGuard(
        app_id=app_id,
        backend=backend,
        data_dir=_data_dir(settings, app_id),
        device_id=settings.device_id,
    )


def _backend(settings: Settings, *, offline: bool = False) -> Backend:
    """The backend the settings name: Keymint unless ``backend = keygen``.

    With *offline* (a command that never calls the server) Keymint needs no access token.
    """
    kind = (settings.backend or "keymint").lower()
    if kind == "keygen":
        from license_guard.backends.keygen import DEFAULT_BASE_URL as KEYGEN_URL
        from license_guard.backends.keygen import KeygenBackend

        product, account, public_key = settings.need("product_id", "account", "public_key")
        return KeygenBackend(
            account=account,
            public_key=public_key,
            product=product,
            base_url=settings.base_url or KEYGEN_URL,
            allow_offline_activation=yes(settings.offline_activation),
        )
    if kind != "keymint":
        raise ConfigurationError(
            f"Unknown backend {settings.backend!r}: choose one of {', '.join(BACKENDS)}."
        )
    from license_guard.backends.keymint.backend import DEFAULT_BASE_URL, KeymintBackend

    if offline and not settings.access_token:
        (product_id,) = settings.need("product_id")
        access_token = _NEVER_SENT
    else:
        product_id, access_token = settings.need("product_id", "access_token")
    return KeymintBackend(
        product_id=product_id,
        access_token=access_token,
        base_url=settings.base_url or DEFAULT_BASE_URL,
        features=feature_set(settings.features),
    )


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"Cannot read the license file {path}: {exc}.", path=path) from exc


def _print_status(status: LicenseStatus, out: TextIO) -> None:
    from license_guard.messages import status_rows

    for label, value in status_rows(status):
        print(f"{label + ':':<13} {value}", file=out)
