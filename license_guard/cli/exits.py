"""The command's exit codes (stable, for installers and scripts), and the error each stands for.

The table is in the docstring of :mod:`license_guard.cli` and in ``docs/cli.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from license_guard.errors import (
    ConfigurationError,
    HostIdError,
    LeaseError,
    LicenseDeniedError,
    LicenseError,
    LicenseUnreachableError,
    NotActivatedError,
    StorageError,
)
from license_guard.status import LicenseState

__all__ = [
    "EXIT_CODES",
    "EXIT_DENIED",
    "EXIT_FAILURE",
    "EXIT_NOT_ACTIVATED",
    "EXIT_OK",
    "EXIT_STORAGE",
    "EXIT_UNREACHABLE",
    "EXIT_UNTRUSTED",
    "EXIT_USAGE",
    "STATE_EXIT_CODES",
    "exit_code_for",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_ACTIVATED = 3
EXIT_DENIED = 4
EXIT_UNREACHABLE = 5
EXIT_UNTRUSTED = 6
EXIT_STORAGE = 7

# Most specific first: the first matching class decides the exit code.
EXIT_CODES: tuple[tuple[type[LicenseError], int], ...] = (
    (ConfigurationError, EXIT_USAGE),
    (NotActivatedError, EXIT_NOT_ACTIVATED),
    (LicenseDeniedError, EXIT_DENIED),
    (LicenseUnreachableError, EXIT_UNREACHABLE),
    (LeaseError, EXIT_UNTRUSTED),
    (StorageError, EXIT_STORAGE),
    (HostIdError, EXIT_STORAGE),
)

#: The exit code of ``status`` for each license state.
STATE_EXIT_CODES: Mapping[LicenseState, int] = {
    LicenseState.ACTIVE: EXIT_OK,
    LicenseState.GRACE: EXIT_OK,
    LicenseState.NOT_ACTIVATED: EXIT_NOT_ACTIVATED,
    LicenseState.DENIED: EXIT_DENIED,
    LicenseState.EXPIRED: EXIT_DENIED,
    LicenseState.GRACE_EXPIRED: EXIT_UNTRUSTED,
    LicenseState.CLOCK_ROLLBACK: EXIT_UNTRUSTED,
}


def exit_code_for(error: LicenseError) -> int:
    """The documented exit code of *error*."""
    for error_class, code in EXIT_CODES:
        if isinstance(error, error_class):
            return code
    return EXIT_FAILURE
