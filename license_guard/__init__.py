"""license_guard: device-bound licensing for Python desktop apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from license_guard.backends import Backend, KeymintBackend, LicenseInfo
from license_guard.clock import ManualClock, SystemClock
from license_guard.errors import (
    AccessTokenError,
    ActivationLimitError,
    ClockRollbackError,
    ConfigurationError,
    CustomerExistsError,
    CustomerInactiveError,
    CustomerNotFoundError,
    DeviceDeactivatedError,
    FeatureNotLicensedError,
    FloatingSeatsTakenError,
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
    OfflineLicenseError,
    OfflineLicenseMachineError,
    OfflineLicenseProductError,
    ProductNotFoundError,
    RateLimitedError,
    SeatLostError,
    StorageError,
)
from license_guard.gate import Gate
from license_guard.guard import LicenseGuard
from license_guard.status import LicenseState, LicenseStatus

__version__ = "0.1.0"


__all__ = [
    "AccessTokenError",
    "ActivationLimitError",
    "Backend",
    "ClockRollbackError",
    "ConfigurationError",
    "CustomerExistsError",
    "CustomerInactiveError",
    "CustomerNotFoundError",
    "DeviceDeactivatedError",
    "FeatureNotLicensedError",
    "FloatingSeatsTakenError",
    "Gate",
    "GracePeriodExpiredError",
    "HostIdError",
    "InvalidLicenseKeyError",
    "InvalidResponseError",
    "KeygenBackend",
    "KeymintBackend",
    "LeaseError",
    "LicenseBlockedError",
    "LicenseDeniedError",
    "LicenseError",
    "LicenseExpiredError",
    "LicenseGuard",
    "LicenseInfo",
    "LicenseState",
    "LicenseStatus",
    "LicenseUnreachableError",
    "ManualClock",
    "NotActivatedError",
    "OfflineLicenseError",
    "OfflineLicenseMachineError",
    "OfflineLicenseProductError",
    "ProductNotFoundError",
    "RateLimitedError",
    "SeatLostError",
    "StorageError",
    "SystemClock",
]


if TYPE_CHECKING:
    from license_guard.backends.keygen import KeygenBackend


def __getattr__(name: str) -> Any:
    # Keygen's backend (and its signature code) loads on first use, not on every app start.
    if name == "KeygenBackend":
        from license_guard.backends.keygen import KeygenBackend

        return KeygenBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
