"""The explicit device ID: for containers and cloned images, where the OS machine ID is shared."""

from __future__ import annotations

import os
from collections.abc import Mapping

from license_guard.errors import ConfigurationError, HostIdError
from license_guard.hostid.api import DEVICE_ID_ENV_VAR, IdentitySource, sanitize_raw_id

__all__ = ["OverrideSource"]


class OverrideSource(IdentitySource):
    """A raw ID given by the app (*value*) or by the deployer (``$LICENSE_GUARD_DEVICE_ID``).

    The value is sanitized like a machine ID and still salted per app, so it is never sent as is.
    Raises :class:`ConfigurationError` when *value* is given but is not a non-empty string.
    """

    name = "override"

    def __init__(
        self, value: str | None = None, *, environ: Mapping[str, str] = os.environ
    ) -> None:
        if value is not None and not (isinstance(value, str) and sanitize_raw_id(value)):
            raise ConfigurationError(
                "The device ID override must be a non-empty string that is unique to this device."
            )
        self._value = value
        self._environ = environ

    def read(self) -> str | None:
        """*value*, else ``$LICENSE_GUARD_DEVICE_ID``, sanitized; ``None`` when neither is set.

        Raises :class:`HostIdError` when the variable is set but empty: a forgotten value in a
        container template must not silently fall back to the image's shared machine ID.
        """
        value = self._value if self._value is not None else self._environ.get(DEVICE_ID_ENV_VAR)
        if value is None:
            return None
        raw_id = sanitize_raw_id(value)
        if not raw_id:
            raise HostIdError(
                f"{DEVICE_ID_ENV_VAR} is set but empty. Set it to a value unique to this device,"
                " or unset it to use the device's own identity."
            )
        return raw_id

    def __repr__(self) -> str:
        given = "<hidden>" if self._value is not None else None
        return f"OverrideSource(value={given}, variable={DEVICE_ID_ENV_VAR!r})"
