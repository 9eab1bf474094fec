"""An app's start whose cached lease holds a signed Keymint license (``.lic``): import
license_guard and check the lease, which verifies the file's Ed25519 signature (no network: the
lease was activated from the file).

Arguments: the app's id (its lease is in that app's platform default folder, as the plain start's
is), the public key (PEM) the app ships, as an app would embed it, and optionally the lease
folder. Prints one JSON line, as ``start.py`` does.
"""

import os
import sys
import time

started = time.perf_counter()

from license_guard import KeymintBackend, LicenseGuard  # noqa: E402

imported = time.perf_counter()
app_id, public_key = sys.argv[1:3]
guard = LicenseGuard(
    app_id=app_id,
    backend=KeymintBackend(
        product_id=os.environ["LG_BENCH_PRODUCT"],
        access_token=os.environ["LG_BENCH_TOKEN"],
        base_url=os.environ["LG_BENCH_URL"],
        features=frozenset({os.environ["LG_BENCH_FEATURE"]}),
        public_keys=[public_key],
        allow_offline_activation=True,
    ),
    data_dir=sys.argv[3] if len(sys.argv) > 3 else None,
)
status = guard.ensure_activated()
checked = time.perf_counter()
if not status.is_licensed or not status.air_gapped:
    sys.exit(f"the cached .lic lease did not admit the app: {status.state.value}")

import json  # noqa: E402  (already imported by the lease; importing it here costs nothing)

WATCHED = ("httpx", "httpcore", "ssl", "psutil", "machineid", "platformdirs", "tempfile", "logging")
print(
    json.dumps(
        {
            "import_ms": (imported - started) * 1e3,
            "check_ms": (checked - imported) * 1e3,
            "imported": [name for name in WATCHED if name in sys.modules],
            "modules": sorted(sys.modules),
        }
    )
)
