"""Why Keymint would refuse a key, read from the facts of get-key.

Keymint answers several refusals with one status and code (403/2: expired, blocked, full, or the
customer inactive), so the backend names the reason from the key's state instead of parsing the
server's words.
"""

from __future__ import annotations

from datetime import datetime

from license_guard.backends.keymint.answers import KeyDetails
from license_guard.backends.keymint.api import error_for
from license_guard.errors import (
    ActivationLimitError,
    CustomerInactiveError,
    DeviceDeactivatedError,
    LicenseError,
    LicenseExpiredError,
)

__all__ = ["refusal"]


def refusal(
    details: KeyDetails, server_time: datetime | None, host_id: str, *, activated: bool = False
) -> LicenseError | None:
    """Why the server would refuse this license for this host, from get-key facts, if it would.

    With *activated*, the host held a seat: not being listed means its seat was freed
    (DeviceDeactivatedError), whatever has become of that seat since.
    """
    license_ = details.license
    expires_at = license_.expires_at
    if expires_at is not None and server_time is not None and server_time >= expires_at:
        return LicenseExpiredError(
            f"This license expired on {expires_at:%Y-%m-%d}. Renew it to keep using the app.",
            expired_at=expires_at,
        )
    if details.customer is not None and not details.customer.active:
        return error_for(CustomerInactiveError, None)
    listed = license_.lists(host_id)
    if activated and not listed:
        return error_for(DeviceDeactivatedError, None)
    if license_.full and not listed:
        return ActivationLimitError(
            f"This license is already activated on {license_.activations} of "
            f"{license_.usage_limit} computers. Release it on another computer, or ask the "
            "vendor's support to free a seat."
        )
    return None
