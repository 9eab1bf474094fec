"""The relay's settings: command-line flags over ``LICENSE_GUARD_RELAY_*`` variables.

Secrets (the Keymint tokens, the signing key) never come from a flag, where they would land in
shell history and process lists: each comes from its variable or from a file the variable
``…_FILE`` names (a container secret, for example).

=====================================  ============================  =========================
setting                                variable                      default
=====================================  ============================  =========================
Keymint API root                       ``…_KEYMINT_URL``             ``https://api.keymint.dev``
API generation (1 or 2)                ``…_API_GENERATION``          1
products served (comma-separated)      ``…_PRODUCT_IDS``             (required)
access token (activate scope)          ``…_TOKEN`` / ``…_TOKEN_FILE``  (required)
admin token (for ``/key/sign``)        ``…_ADMIN_TOKEN`` / ``…_FILE``  none: the relay signs
signing key (PKCS #8 PEM file)         ``…_SIGNING_KEY_FILE``        (required to serve)
offline license lifetime (s)           ``…_LICENSE_TTL``             604800 (7 days)
deadline of each upstream call (s)     ``…_UPSTREAM_TIMEOUT``        8
requests/s and burst per client addr.  ``…_RATE_PER_IP``, ``…_BURST_PER_IP``    5, 60
requests/s and burst per license key   ``…_RATE_PER_KEY``, ``…_BURST_PER_KEY``  0.5, 20
largest request body (bytes)           ``…_MAX_BODY``                4096
worker threads for upstream calls      ``…_THREADS``                 64
=====================================  ============================  =========================

(``…`` is ``LICENSE_GUARD_RELAY``.) A rate of 0 turns that limit off.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Literal

from license_guard._record import Record, field
from license_guard.backends.keymint.api import (
    DEFAULT_BASE_URL,
    DEFAULT_GENERATION,
    PRODUCT_ID_LENGTH,
    check_length,
)
from license_guard.errors import ConfigurationError

__all__ = ["ENV_PREFIX", "RelaySettings", "load_relay_settings", "read_secret"]

ENV_PREFIX = "LICENSE_GUARD_RELAY_"


class RelaySettings(Record, kw_only=True):
    """Everything a relay process needs; the same in every process of one deployment."""

    keymint_url: str = DEFAULT_BASE_URL
    api_generation: Literal[1, 2] = DEFAULT_GENERATION
    product_ids: tuple[str, ...]
    token: str = field(repr=False)
    admin_token: str | None = field(default=None, repr=False)
    license_ttl: timedelta = timedelta(days=7)
    upstream_timeout: float = 8.0
    rate_per_ip: float = 5.0
    burst_per_ip: int = 60
    rate_per_key: float = 0.5
    burst_per_key: int = 20
    max_body: int = 4096
    threads: int = 64

    def __post_init__(self) -> None:
        if not self.product_ids:
            raise ConfigurationError(
                f"The relay serves no product: give --product-id (or {ENV_PREFIX}PRODUCT_IDS)."
            )
        for product_id in self.product_ids:
            check_length("product id", product_id, PRODUCT_ID_LENGTH, ConfigurationError)
        if not self.token.strip():
            raise ConfigurationError(f"The relay needs Keymint's access token ({ENV_PREFIX}TOKEN).")
        if self.api_generation not in (1, 2):
            raise ConfigurationError("The API generation must be 1 or 2.")
        if not timedelta(minutes=5) <= self.license_ttl <= timedelta(days=366):
            raise ConfigurationError("The license lifetime must be 300 s to 366 days.")
        if not 0 < self.upstream_timeout <= 120:
            raise ConfigurationError("The upstream timeout must be above 0 and at most 120 s.")
        for name in ("rate_per_ip", "rate_per_key"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} must be 0 (off) or more.")
        for name in ("burst_per_ip", "burst_per_key", "threads"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1.")
        if not 512 <= self.max_body <= 65536:
            raise ConfigurationError("The largest request body must be 512 to 65536 bytes.")


def read_secret(name: str, environ: Mapping[str, str]) -> str | None:
    """The secret in ``LICENSE_GUARD_RELAY_<NAME>``, else in the file ``…_<NAME>_FILE`` names.

    Raises:
        ConfigurationError: both are set, or the file cannot be read.
    """
    value = environ.get(ENV_PREFIX + name)
    path = environ.get(ENV_PREFIX + name + "_FILE")
    if value and path:
        raise ConfigurationError(f"Set {ENV_PREFIX}{name} or {ENV_PREFIX}{name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(
                f"Cannot read {ENV_PREFIX}{name}_FILE ({path}): {type(exc).__name__}."
            ) from exc
    return value.strip() if value else None


def load_relay_settings(
    flags: Mapping[str, object | None], environ: Mapping[str, str]
) -> RelaySettings:
    """Settings from *flags* (None = not given) over *environ*.

    Raises:
        ConfigurationError: a missing or malformed setting, naming the flag and the variable.
    """

    def value(name: str) -> object | None:
        given = flags.get(name)
        if given is not None and given != ():
            return given
        return environ.get(ENV_PREFIX + name.upper()) or None

    def number(name: str, kind: type[float] | type[int]) -> dict[str, float | int]:
        raw = value(name)
        if raw is None:
            return {}
        try:
            if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
                raise TypeError(name)
            return {name: kind(raw)}
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"{ENV_PREFIX}{name.upper()} must be a number, not {raw!r}."
            ) from exc

    given = value("product_ids")
    products: list[str] = []
    if isinstance(given, str):
        products = [part.strip() for part in given.split(",") if part.strip()]
    elif isinstance(given, (list, tuple)):
        products = [str(product) for product in given]
    token = read_secret("TOKEN", environ)
    if token is None:
        raise ConfigurationError(
            f"The relay needs Keymint's access token in {ENV_PREFIX}TOKEN (or a file named by "
            f"{ENV_PREFIX}TOKEN_FILE); it is never taken from a flag."
        )
    options: dict[str, object] = {}
    for name in ("rate_per_ip", "rate_per_key", "upstream_timeout"):
        options.update(number(name, float))
    for name in ("burst_per_ip", "burst_per_key", "max_body", "threads"):
        options.update(number(name, int))
    ttl = number("license_ttl", float)
    if ttl:
        options["license_ttl"] = timedelta(seconds=ttl["license_ttl"])
    generation = number("api_generation", int)
    if generation:
        options["api_generation"] = generation["api_generation"]
    url = value("keymint_url")
    if url is not None:
        options["keymint_url"] = str(url)
    return RelaySettings(
        product_ids=tuple(products),
        token=token,
        admin_token=read_secret("ADMIN_TOKEN", environ),
        **options,  # type: ignore[arg-type]  # checked by RelaySettings itself
    )
