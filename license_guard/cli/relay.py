"""``license-guard relay serve | keygen``: the vendor's relay (needs the ``relay`` extra).

``serve`` reads its secrets from the environment only (``LICENSE_GUARD_RELAY_TOKEN``,
``LICENSE_GUARD_RELAY_ADMIN_TOKEN``, or ``…_FILE`` variables naming files), prints its URL and
the public key file apps must embed, and stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from license_guard.cli.exits import EXIT_OK, EXIT_USAGE
from license_guard.errors import ConfigurationError

__all__ = ["register"]

ENV = "LICENSE_GUARD_RELAY_"
DEFAULT_PORT = 8750


def register(commands: Any) -> None:
    """Add ``relay serve`` and ``relay keygen`` to *commands*."""
    relay = commands.add_parser("relay", help="the vendor's relay in front of Keymint")
    sub = relay.add_subparsers(dest="relay_command", metavar="SUBCOMMAND")
    relay.set_defaults(handler=lambda args: _usage(relay))

    serve = sub.add_parser(
        "serve",
        help="serve apps: activate, validate, deactivate, floating seats",
        description="Secrets come from the environment: LICENSE_GUARD_RELAY_TOKEN (Keymint "
        "access token), LICENSE_GUARD_RELAY_ADMIN_TOKEN (optional: Keymint signs the offline "
        "licenses), or LICENSE_GUARD_RELAY_<NAME>_FILE naming a file. See docs/relay.md.",
    )
    serve.add_argument("--host", help=f"address to listen on (${ENV}HOST; default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help=f"TCP port, 0 for any free one (${ENV}PORT; default 8750)"
    )
    serve.add_argument("--keymint-url", help=f"Keymint API root (${ENV}KEYMINT_URL)")
    serve.add_argument(
        "--api-generation", type=int, choices=(1, 2), help=f"1 or 2 (${ENV}API_GENERATION)"
    )
    serve.add_argument(
        "--product-id",
        action="append",
        dest="product_ids",
        metavar="P",
        help=f"a product this relay serves; repeat for more (${ENV}PRODUCT_IDS, comma-separated)",
    )
    serve.add_argument(
        "--signing-key",
        metavar="FILE",
        help=f"the relay's Ed25519 key, PKCS #8 PEM (${ENV}SIGNING_KEY_FILE); without one a "
        "temporary key is made (for trying it out: every process would have its own)",
    )
    serve.add_argument(
        "--license-ttl", type=float, metavar="SECONDS", help="offline license lifetime"
    )
    serve.add_argument("--upstream-timeout", type=float, metavar="SECONDS")
    serve.add_argument("--rate-per-ip", type=float, metavar="PER_SECOND", help="0 = off")
    serve.add_argument("--burst-per-ip", type=int, metavar="N")
    serve.add_argument("--rate-per-key", type=float, metavar="PER_SECOND", help="0 = off")
    serve.add_argument("--burst-per-key", type=int, metavar="N")
    serve.add_argument("--max-body", type=int, metavar="BYTES")
    serve.add_argument("--threads", type=int, metavar="N", help="worker threads (default 64)")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="trust X-Forwarded-For from these proxies (comma-separated), for per-client limits "
        "behind a load balancer",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request line")
    serve.set_defaults(handler=_serve)

    keygen = sub.add_parser("keygen", help="make a signing key file and its public key")
    keygen.add_argument("file", type=Path, help="where to write the private key (a new file)")
    keygen.set_defaults(handler=_keygen)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _keygen(args: argparse.Namespace) -> int:
    from license_guard.relay.keys import SigningKey, write_key

    key = SigningKey.generate()
    public = write_key(key, args.file)
    print(f"signing key: {args.file}  (keep it secret: every relay process reads it)")
    print(f"public key: {public}  (embed it in the app)")
    print(f"key id: {key.kid}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    try:
        import starlette  # noqa: F401  # a clear message when the extra is missing
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            'The relay needs its extra: pip install "license-guard[relay]".'
        ) from exc
    from license_guard.relay.keys import SigningKey, public_key_path, write_key
    from license_guard.relay.server import bind, serve
    from license_guard.relay.settings import load_relay_settings

    environ = args.environ
    flags = {
        name: getattr(args, name)
        for name in (
            "keymint_url",
            "api_generation",
            "product_ids",
            "license_ttl",
            "upstream_timeout",
            "rate_per_ip",
            "burst_per_ip",
            "rate_per_key",
            "burst_per_key",
            "max_body",
            "threads",
        )
    }
    settings = load_relay_settings(flags, environ)
    key_file = args.signing_key or environ.get(ENV + "SIGNING_KEY_FILE")
    temporary: Path | None = None
    if key_file:
        key = SigningKey.from_file(Path(key_file))
        public = public_key_path(Path(key_file))
        if not public.exists():
            public = Path(tempfile.mkdtemp(prefix="license-guard-relay-")) / "public-key.pem"
            temporary = public.parent
            public.write_text(key.public_pem, encoding="ascii")
    else:
        temporary = Path(tempfile.mkdtemp(prefix="license-guard-relay-"))
        key = SigningKey.generate()
        public = write_key(key, temporary / "relay-signing-key.pem")
        print(
            "license-guard: no --signing-key: using a temporary key (each process its own; "
            "for trying the relay out only)",
            file=sys.stderr,
        )
    host = args.host or environ.get(ENV + "HOST") or "127.0.0.1"
    port = args.port if args.port is not None else int(environ.get(ENV + "PORT") or DEFAULT_PORT)
    forwarded = args.forwarded_allow_ips or environ.get(ENV + "FORWARDED_ALLOW_IPS")
    _log_to_stderr(args)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}"

    def ready() -> None:
        signer = "Keymint (/key/sign), else this relay" if settings.admin_token else "this relay"
        print(f"License relay for Keymint at {url}", flush=True)
        print(f"public key: {public}", flush=True)
        print(f"key id: {key.kid}", flush=True)
        print(f"products: {', '.join(settings.product_ids)}", flush=True)
        print(
            f"keymint: {settings.keymint_url} (generation {settings.api_generation}); "
            f"licenses signed by {signer}; pid {os.getpid()}",
            flush=True,
        )
        print("Press Ctrl-C to stop.", flush=True)

    try:
        serve(
            settings,
            key,
            sock,
            on_ready=ready,
            forwarded_allow_ips=forwarded,
            access_log=args.access_log,
        )
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    print("Relay stopped.", flush=True)
    return EXIT_OK


def _log_to_stderr(args: argparse.Namespace) -> None:
    """A server logs what it does (INFO) even without -v; --debug already set DEBUG."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
