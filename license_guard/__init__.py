"""license_guard: device-bound licensing for Python desktop apps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from license_guard._lazy import lazy_names
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
    LeaseMismatchError,
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
    "LeaseMismatchError",
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
    "SeatStatus",
    "StorageError",
    "SystemClock",
]


if TYPE_CHECKING:
    from license_guard.backends import Backend, KeygenBackend, KeymintBackend, LicenseInfo
    from license_guard.clock import ManualClock, SystemClock
    from license_guard.gate import Gate
    from license_guard.guard import LicenseGuard
    from license_guard.status import LicenseState, LicenseStatus, SeatStatus

# Loaded on first use, so ``import license_guard.hostid`` (or any one part) does not load the
# guard, the backends and the lease store with it; ``from license_guard import LicenseGuard``
# loads what the guard needs and no more. Keygen's backend (and its signature code) loads only
# for an app that uses it.
_LAZY = {
    "Backend": "license_guard.backends.base",
    "Gate": "license_guard.gate",
    "KeygenBackend": "license_guard.backends.keygen.backend",
    "KeymintBackend": "license_guard.backends.keymint.backend",
    "LicenseGuard": "license_guard.guard",
    "LicenseInfo": "license_guard.backends.base",
    "LicenseState": "license_guard.status",
    "LicenseStatus": "license_guard.status",
    "ManualClock": "license_guard.clock",
    "SeatStatus": "license_guard.status",
    "SystemClock": "license_guard.clock",
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
