"""The one exception tree of license_guard.

Everything the library raises on purpose derives from :class:`LicenseError`. An application
usually cares about the first level only::

    LicenseError
     ├── ConfigurationError           the vendor's setup is wrong (fix the code, not the user)
     │    ├── AccessTokenError          401: token missing, invalid, expired or not for this product
     │    ├── ProductNotFoundError      the product id is unknown or inactive
     │    ├── CustomerNotFoundError     admin: create-key named a customer id the server lacks
     │    └── CustomerExistsError       admin: create-key's new customer has a taken e-mail
     ├── NotActivatedError            no lease on this device: ask the user for a key
     ├── LicenseDeniedError           the server said no: stop at once, no grace
     │    ├── InvalidLicenseKeyError    unknown or malformed key
     │    ├── LicenseExpiredError       the license's own expiry has passed
     │    ├── LicenseBlockedError       the vendor blocked the key (refund, abuse)
     │    ├── ActivationLimitError      every seat is taken
     │    │    └── FloatingSeatsTakenError  every floating seat is in use right now
     │    ├── CustomerInactiveError     the customer account is disabled
     │    ├── DeviceDeactivatedError    this device's seat was freed from elsewhere
     │    └── SeatLostError             this device's floating seat ended (lapsed, refused)
     ├── LicenseUnreachableError      the server could not be asked: grace applies
     │    ├── RateLimitedError          429, with the server's Retry-After when it gave one
     │    └── InvalidResponseError      an answer that is not the API's (HTML portal, bad JSON,
     │                                  bad signature): treated as "could not ask"
     ├── LeaseError                   the local lease cannot be trusted
     │    ├── LeaseMismatchError        a genuine lease these settings do not accept (another
     │    │                             server, a file activation the app does not allow)
     │    ├── GracePeriodExpiredError   offline for longer than the grace period
     │    ├── ClockRollbackError        the clock is behind the latest time already seen
     │    └── OfflineLicenseError       a signed offline license (Keymint .lic) is not genuine
     │         ├── OfflineLicenseMachineError   it was made for another computer
     │         └── OfflineLicenseProductError   it was made for another product
     ├── FeatureNotLicensedError      licensed, but not for this feature
     ├── StorageError                 the lease cannot be written or read (disk full, read-only)
     └── HostIdError                  no stable device identity: no machine ID, no adapter, and
                                      an install ID that cannot be saved

Every message is written for the person in front of the app: what happened and what to do.
No message, repr or attribute holds a license key or access token in full.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

__all__ = [
    "AccessTokenError",
    "ActivationLimitError",
    "ClockRollbackError",
    "ConfigurationError",
    "CustomerExistsError",
    "CustomerInactiveError",
    "CustomerNotFoundError",
    "DeviceDeactivatedError",
    "FeatureNotLicensedError",
    "FloatingSeatsTakenError",
    "GracePeriodExpiredError",
    "HostIdError",
    "InvalidLicenseKeyError",
    "InvalidResponseError",
    "LeaseError",
    "LeaseMismatchError",
    "LicenseBlockedError",
    "LicenseDeniedError",
    "LicenseError",
    "LicenseExpiredError",
    "LicenseUnreachableError",
    "NotActivatedError",
    "OfflineLicenseError",
    "OfflineLicenseMachineError",
    "OfflineLicenseProductError",
    "ProductNotFoundError",
    "RateLimitedError",
    "SeatLostError",
    "StorageError",
]


class LicenseError(Exception):
    """Base of every error license_guard raises on purpose.

    ``str(error)`` is a complete sentence a user can act on. ``server_message`` keeps the
    server's own text, when there was one, for support staff; ``server_code`` its own error
    code (an integer, or a text code such as ``"CUSTOMER_EMAIL_EXISTS"``), when it gave one.
    """

    server_code: int | str | None = None

    def __init__(self, message: str, *, server_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.server_message = server_message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(LicenseError):
    """The vendor's configuration is wrong: bad arguments, access token or product id."""


class AccessTokenError(ConfigurationError):
    """The server rejected the access token (HTTP 401)."""


class ProductNotFoundError(ConfigurationError):
    """The server does not know the product id, or the product is inactive."""


class CustomerNotFoundError(ConfigurationError):
    """The customer id given to create-key is unknown to the server (vendor tools only)."""


class CustomerExistsError(ConfigurationError):
    """create-key's new customer has an e-mail another customer already has (vendor tools only).

    Create the key for that customer's id instead of creating the customer again.
    """


class NotActivatedError(LicenseError):
    """This device holds no lease: the app has not been activated here yet."""


class LicenseDeniedError(LicenseError):
    """The licensing server answered and refused. Grace never applies to a denial."""


class InvalidLicenseKeyError(LicenseDeniedError):
    """The license key is malformed or unknown to the server.

    ``lower_case`` is true when the refused key had lower-case letters: keys are compared
    exactly, so a key typed in the wrong case is unknown (the message says so).
    """

    def __init__(
        self, message: str, *, lower_case: bool = False, server_message: str | None = None
    ) -> None:
        super().__init__(message, server_message=server_message)
        self.lower_case = lower_case


class LicenseExpiredError(LicenseDeniedError):
    """The license itself has expired."""

    def __init__(
        self,
        message: str,
        *,
        expired_at: datetime | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message, server_message=server_message)
        self.expired_at = expired_at


class LicenseBlockedError(LicenseDeniedError):
    """The vendor has blocked the license key."""


class ActivationLimitError(LicenseDeniedError):
    """Every activation slot of the license is in use on other devices."""


class FloatingSeatsTakenError(ActivationLimitError):
    """Every seat of a floating license is in use on other computers at this moment.

    ``max_sessions`` is the license's number of seats, when the server said it.
    """

    def __init__(
        self, message: str, *, max_sessions: int | None = None, server_message: str | None = None
    ) -> None:
        super().__init__(message, server_message=server_message)
        self.max_sessions = max_sessions


class SeatLostError(LicenseDeniedError):
    """This computer's floating seat is gone: its lease lapsed, or the server refused its
    heartbeat. Check out a seat again to go on."""


class CustomerInactiveError(LicenseDeniedError):
    """The customer account that owns the license is disabled."""


class DeviceDeactivatedError(LicenseDeniedError):
    """This device's activation was removed on the server (support freed the seat)."""


class LicenseUnreachableError(LicenseError):
    """The licensing server could not be asked. The offline grace period applies."""


class RateLimitedError(LicenseUnreachableError):
    """The server asked the client to slow down (HTTP 429)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message, server_message=server_message)
        self.retry_after = retry_after


class InvalidResponseError(LicenseUnreachableError):
    """The answer was not one the licensing API sends (captive portal, proxy page, garbage)."""


class LeaseError(LicenseError):
    """The lease stored on this device cannot be trusted."""

    def __init__(
        self,
        message: str,
        *,
        quarantined_to: Path | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message, server_message=server_message)
        self.quarantined_to = quarantined_to


class LeaseMismatchError(LeaseError):
    """The lease is genuine but does not fit these settings: it came from another licensing
    server, or it was activated from a file where the app does not accept that. It is reported
    and left where it is, never moved aside: other settings (the app's own) may accept it."""


class GracePeriodExpiredError(LeaseError):
    """The app has been offline for longer than the grace period allows."""

    def __init__(self, message: str, *, grace_until: datetime | None = None) -> None:
        super().__init__(message)
        self.grace_until = grace_until


class ClockRollbackError(LeaseError):
    """The system clock is behind a time this device has already seen."""

    def __init__(
        self, message: str, *, now: datetime | None = None, highest_seen: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.now = now
        self.highest_seen = highest_seen


class OfflineLicenseError(LeaseError):
    """A signed offline license (a Keymint ``.lic``) cannot be trusted here.

    ``reason`` says which check failed, in the words of Keymint's SDK: ``"malformed"``,
    ``"unsupported_algorithm"``, ``"unknown_key"``, ``"bad_signature"``, ``"wrong_type"``,
    ``"wrong_product"``, ``"wrong_machine"``; or ``"wrong_key"`` (for another license key).
    An expired file is a :class:`LicenseExpiredError` instead.
    """

    default_reason = "malformed"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or self.default_reason


class OfflineLicenseMachineError(OfflineLicenseError):
    """The offline license was made for another computer (its machine code is not this one's)."""

    default_reason = "wrong_machine"


class OfflineLicenseProductError(OfflineLicenseError):
    """The offline license was made for another product of the vendor."""

    default_reason = "wrong_product"


class FeatureNotLicensedError(LicenseError):
    """The license is valid but does not include the requested feature."""

    def __init__(self, message: str, *, feature: str) -> None:
        super().__init__(message)
        self.feature = feature


class StorageError(LicenseError):
    """A license file could not be written or read (full disk, read-only folder, permissions)."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class HostIdError(LicenseError):
    """No stable identity for this device could be found or created (including an install ID
    that cannot be saved: a new random one each run would take a new seat each run)."""
