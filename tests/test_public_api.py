"""The public surface of `license_guard`, pinned: a change here is a deliberate API change."""

from __future__ import annotations

import subprocess
import sys

import license_guard

PUBLIC = [
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


def test_public_surface_is_pinned_and_sorted() -> None:
    assert license_guard.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(license_guard, name) is not None


def test_importing_the_library_is_light() -> None:
    probe = (
        "import sys, license_guard\n"
        "heavy = ['httpx', 'httpcore', 'psutil', 'machineid', 'ssl', 'subprocess', 'logging']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
