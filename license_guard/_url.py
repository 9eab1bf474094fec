"""Which server URLs the library will send credentials to."""

from __future__ import annotations

from urllib.parse import urlsplit

from license_guard.errors import ConfigurationError

__all__ = ["check_server_url"]


def check_server_url(url: str) -> None:
    """Refuse a server URL that would send credentials unprotected.

    ``https://`` anywhere; plain ``http://`` only to this machine (a local emulator or test
    server), since a token or license key sent in clear over a network can be read on the way.

    Raises:
        ConfigurationError: another scheme, or ``http://`` to a host that is not loopback.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return
    raise ConfigurationError(
        f"The server URL must start with https:// ({url!r}); plain http:// is allowed only for "
        "a server on this machine (127.0.0.1, ::1, localhost)."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
