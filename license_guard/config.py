"""Settings for the command line: flags, then environment variables, then a config file.

The config file is INI (readable on every supported Python without extra packages)::

    [license-guard]
    app_id = com.example.photoeditor
    product_id = prod_0123456789abcdefghij
    base_url = https://api.keymint.dev
    ; prefer LICENSE_GUARD_ACCESS_TOKEN to a token in a file
    access_token = at_...
    ; for license-guard admin only; prefer LICENSE_GUARD_ADMIN_TOKEN
    admin_token = at_...
    ; optional: where the lease lives
    data_dir = /path/to/lease/folder
    ; keymint (the default) or keygen; for Keygen, the account id and its Ed25519 key (hex)
    backend = keygen
    account = ...
    public_key = ...
    ; Keymint through the vendor's relay (no access token): its URL, and for public_key the
    ; PEM file(s) of the keys its answers are signed with, comma-separated
    relay_url = https://license.example.com
    ; Keymint: what every license of the product unlocks, as the app configures it
    features = export-4k, batch
    ; Keygen: accept activation from a signed file the vendor sends (yes/no, default no)
    offline_activation = no

Comments go on lines of their own (``;`` or ``#``): text after a value is part of the value.

It is found at ``--config FILE``, else ``$LICENSE_GUARD_CONFIG``, else
``platformdirs.user_config_dir("license-guard")/config.ini`` when that file exists. The access
and admin tokens are never taken from a command-line flag, where they would land in shell history.
The device-ID override comes from the ``--device-id`` flag only, never from the environment or a
file: whoever can set it can make a lease copied from another computer open on this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from license_guard._record import Record, field
from license_guard._redact import redact
from license_guard.errors import ConfigurationError

if TYPE_CHECKING:
    import configparser

__all__ = [
    "ENV_PREFIX",
    "SECTION",
    "Settings",
    "env_name",
    "feature_set",
    "load_settings",
    "yes",
]

SECTION = "license-guard"
ENV_PREFIX = "LICENSE_GUARD_"
FIELDS = (
    "app_id",
    "product_id",
    "base_url",
    "access_token",
    "data_dir",
    "device_id",
    "admin_token",
    "backend",
    "account",
    "public_key",
    "features",
    "offline_activation",
    "relay_url",
)
# Secrets come from the environment or the config file, never from a flag.
SECRETS = frozenset({"access_token", "admin_token"})
# Settings taken from an explicit flag only: not from a variable or a file read by itself.
FLAG_ONLY = frozenset({"device_id"})
#: Settings whose environment variable is not ``LICENSE_GUARD_`` + the upper-case name.
ENV_NAMES = {
    "account": ENV_PREFIX + "KEYGEN_ACCOUNT",
    "public_key": ENV_PREFIX + "KEYGEN_PUBLIC_KEY",
}


class Settings(Record):
    """Resolved settings; any may be missing until a command needs it.

    A :class:`~license_guard._record.Record`, not a dataclass: ``dataclasses`` (with ``inspect``)
    would cost every command line some 40 M instructions before it does anything.
    """

    app_id: str | None = None
    product_id: str | None = None
    base_url: str | None = None
    access_token: str | None = field(default=None, repr=False)
    data_dir: str | None = None
    device_id: str | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    backend: str | None = None
    account: str | None = None
    public_key: str | None = None
    features: str | None = None
    offline_activation: str | None = None
    relay_url: str | None = None
    source: str = "defaults"

    def __repr__(self) -> str:
        return (
            f"Settings(app_id={self.app_id!r}, product_id={self.product_id!r}, "
            f"base_url={self.base_url!r}, access_token={redact(self.access_token)!r}, "
            f"admin_token={redact(self.admin_token)!r}, data_dir={self.data_dir!r}, "
            f"backend={self.backend!r}, account={self.account!r}, "
            f"source={self.source!r})"
        )

    def need(self, *names: str) -> tuple[str, ...]:
        """The values of *names*, in order.

        Raises:
            ConfigurationError: naming every missing setting and how to give it.
        """
        missing = [name for name in names if not getattr(self, name)]
        if missing:
            hints = ", ".join(
                f"{name} (--{name.replace('_', '-')} or {env_name(name)})"
                if name not in SECRETS
                else f"{name} ({env_name(name)} or the config file)"
                for name in missing
            )
            raise ConfigurationError(f"Missing settings: {hints}.")
        return tuple(str(getattr(self, name)) for name in names)


def load_settings(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    *,
    config_file: str | Path | None = None,
) -> Settings:
    """Merge *flags* over *environ* over the config file.

    Raises:
        ConfigurationError: a config file was named but cannot be read or parsed.
    """
    path, explicit = _config_path(config_file, environ)
    from_file: dict[str, str] = {}
    if path is not None and (explicit or path.exists()):
        from_file = _read_config(path)
    values: dict[str, str | None] = {}
    for name in FIELDS:
        if name in FLAG_ONLY:
            values[name] = flags.get(name)
            continue
        values[name] = (
            (flags.get(name) if name not in SECRETS else None)
            or environ.get(env_name(name))
            or from_file.get(name)
        )
    return Settings(**values, source=str(path) if from_file else "flags and environment")


def env_name(setting: str) -> str:
    """The environment variable of *setting*, e.g. ``LICENSE_GUARD_KEYGEN_ACCOUNT``."""
    return ENV_NAMES.get(setting, ENV_PREFIX + setting.upper())


def _config_path(
    config_file: str | Path | None, environ: Mapping[str, str]
) -> tuple[Path | None, bool]:
    if config_file:
        return Path(config_file), True
    if environ.get(ENV_PREFIX + "CONFIG"):
        return Path(environ[ENV_PREFIX + "CONFIG"]), True
    import platformdirs

    return Path(
        platformdirs.user_config_dir("license-guard", appauthor=False)
    ) / "config.ini", False


def _read_config(path: Path) -> dict[str, str]:
    import configparser  # only when there is a file to read

    parser = configparser.ConfigParser(interpolation=None)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the config file {path}: {exc.strerror}.") from exc
    try:
        text = data.decode("utf-8-sig")  # Notepad's byte order mark is welcome
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigurationError(
            f"The config file {path} is not UTF-8 text (line {line}): save it as UTF-8."
        ) from exc
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise ConfigurationError(
            f"The config file {path} is not valid INI: {_ini_problem(exc)}."
        ) from exc
    if not parser.has_section(SECTION):
        raise ConfigurationError(f"The config file {path} has no [{SECTION}] section.")
    if parser.has_option(SECTION, "device_id"):
        raise ConfigurationError(
            f"The config file {path} sets device_id, which is taken from --device-id only (a "
            "device ID in a file would let a lease copied from another computer open here): "
            "remove it."
        )
    unknown = set(parser[SECTION]) - set(FIELDS)
    if unknown:
        raise ConfigurationError(
            f"The config file {path} has unknown settings: {', '.join(sorted(unknown))}."
        )
    return {name: value.strip() for name, value in parser[SECTION].items() if value.strip()}


def _ini_problem(exc: configparser.Error) -> str:
    """What is wrong, on one line, naming the line but never quoting it (it may hold a token)."""
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before the [{SECTION}] header"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{exc.option} is set twice in [{exc.section}] (line {exc.lineno})"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"[{exc.section}] appears twice (line {exc.lineno})"
    if isinstance(exc, configparser.ParsingError):
        numbers = [str(lineno) for lineno, _ in exc.errors]
        which = f"line {numbers[0]} is" if len(numbers) == 1 else f"lines {', '.join(numbers)} are"
        return f"{which} neither a [section], a name = value, nor a comment"
    return type(exc).__name__


def feature_set(text: str | None) -> frozenset[str] | None:
    """``"export-4k, batch"`` as ``{"export-4k", "batch"}``; ``None`` when not set."""
    if text is None:
        return None
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def yes(text: str | None) -> bool:
    """Whether a yes/no setting says yes.

    Raises:
        ConfigurationError: a value that is neither.
    """
    if text is None:
        return False
    value = text.strip().lower()
    if value in ("1", "yes", "true", "on"):
        return True
    if value in ("0", "no", "false", "off", ""):
        return False
    raise ConfigurationError(f"Expected yes or no, not {text!r}.")
