"""license_guard: device-bound licensing for Python desktop apps."""

from __future__ import annotations

from license_guard.errors import (
    AccessTokenError,
    ActivationLimitError,
    ClockRollbackError,
    ConfigurationError,
    CustomerInactiveError,
    DeviceDeactivatedError,
    FeatureNotLicensedError,
    GracePeriodExpiredError,
    HostIdError,
    InvalidLicenseKeyError,
    InvalidResponseError,
    LeaseError,
    LicenseBlockedError,
    LicenseDeniedError,
    LicenseError,
    LicenseExpiredError,
    LicenseUnreachableError,
    NotActivatedError,
    ProductNotFoundError,
    RateLimitedError,
    StorageError,
)

__version__ = "0.1.0"

__all__ = [
    "AccessTokenError",
    "ActivationLimitError",
    "ClockRollbackError",
    "ConfigurationError",
    "CustomerInactiveError",
    "DeviceDeactivatedError",
    "FeatureNotLicensedError",
    "GracePeriodExpiredError",
    "HostIdError",
    "InvalidLicenseKeyError",
    "InvalidResponseError",
    "LeaseError",
    "LicenseBlockedError",
    "LicenseDeniedError",
    "LicenseError",
    "LicenseExpiredError",
    "LicenseUnreachableError",
    "NotActivatedError",
    "ProductNotFoundError",
    "RateLimitedError",
    "StorageError",
]
