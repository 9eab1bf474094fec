"""LicenseSpring's SDK (``licensespring``): its default hardware-ID provider and the local
license file its storage writes after an activation, loaded by ``LicenseManager.load_license``
and checked by ``License.local_check``."""

import os
from pathlib import Path


def load() -> None:
    import licensespring.licensefile.license_manager  # noqa: F401


def configuration(files: Path) -> object:
    from licensespring.licensefile.config import Configuration

    return Configuration(
        product=os.environ["PEER_PRODUCT"],
        api_key="00000000-0000-0000-0000-000000000000",  # never used: nothing is sent
        shared_key=os.environ["PEER_LS_SHARED_KEY"],
        file_path=str(files / "licensespring"),
    )


def identify(files: Path) -> str:
    from licensespring.hardware import HardwareIdProviderSource

    return HardwareIdProviderSource().get_id()  # type: ignore[no-any-return]


def host_id(identity: str) -> str:
    return identity


def setup(files: Path, hardware_id: str) -> None:
    """Write the license file as the SDK's storage does after an online activation, from an
    answer shaped like the activation's (only a server can sign one; the file keeps no
    signature: the SDK encrypts it with a key derived from the shared key)."""
    from licensespring.licensefile.license_manager import LicenseManager

    storage = LicenseManager(configuration(files)).licensefile_handler
    product = os.environ["PEER_PRODUCT"]
    answer = {
        "license_key": "BENCH-0000-0000-0000",
        "id": 1,
        "license_type": "perpetual",
        "is_trial": False,
        "validity_period": None,
        "max_activations": 5,
        "times_activated": 1,
        "prevent_vm": False,
        "is_floating": False,
        "is_floating_cloud": False,
        "product_details": {
            "product_id": 1,
            "product_name": "Benchmark",
            "short_code": product,
            "allow_trial": False,
            "trial_days": 0,
            "authorization_method": "license-key",
            "metadata": {},
            "prevent_vm": False,
        },
        "product_features": [],
    }
    storage._cache.update_cache("activate_license", answer)
    storage.save_licensefile(storage._cache)


def open_license(files: Path, hardware_id: str) -> object:
    from licensespring.licensefile.license_manager import LicenseManager

    license_ = LicenseManager(configuration(files)).load_license()
    license_.local_check()  # raises when the file is not for this product or device
    return license_


def check(license_: object, hardware_id: str) -> object:
    """The SDK's offline check, which reads the hardware ID again on each call."""
    return license_.local_check  # type: ignore[attr-defined]


def identify_again(files: Path) -> object:
    from licensespring.hardware import HardwareIdProviderSource

    return HardwareIdProviderSource().get_id
