"""The three-line integration: create a guard, check at startup, gate premium code.

Run it against the local emulator (started with ``license-guard emulator serve``)::

    LICENSE_GUARD_PRODUCT_ID=prod_... LICENSE_GUARD_ACCESS_TOKEN=at_... \
    LICENSE_GUARD_BASE_URL=http://127.0.0.1:8765 python examples/quickstart.py [KEY]
"""

from __future__ import annotations

import os
import sys

from license_guard import KeymintBackend, LicenseError, LicenseGuard, NotActivatedError

guard = LicenseGuard(
    app_id="com.example.photoeditor",
    backend=KeymintBackend(
        product_id=os.environ["LICENSE_GUARD_PRODUCT_ID"],
        access_token=os.environ["LICENSE_GUARD_ACCESS_TOKEN"],
        base_url=os.environ.get("LICENSE_GUARD_BASE_URL", "https://api.keymint.dev"),
        features={"export-4k"},
    ),
)


@guard.require("export-4k")
def export_4k(name: str) -> str:
    return f"{name} exported in 4K"


def main() -> int:
    try:
        guard.ensure_activated()
    except NotActivatedError:
        if len(sys.argv) < 2:
            print("Not activated: run again with your license key.")
            return 3
        guard.activate(sys.argv[1], device_tag="Quickstart")
    except LicenseError as error:
        print(f"Licensing problem: {error}")
        return 4
    try:
        print(export_4k("holiday.png"))
    except LicenseError as error:  # e.g. FeatureNotLicensedError, or a license revoked meanwhile
        print(f"Not available: {error}")
        return 4
    print(guard.status().detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
