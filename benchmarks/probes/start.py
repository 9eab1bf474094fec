"""An app's start: import license_guard and check the cached lease (no network when it is fresh).

The lease folder is the platform's default (platformdirs) unless given as the argument.
Prints one JSON line: the time spent importing and checking, as seen from inside, and which of
the modules an offline start should not need were imported anyway.
"""

import sys
import time

started = time.perf_counter()

from bench_app import app_guard  # noqa: E402  (imports license_guard)

imported = time.perf_counter()
guard = app_guard(data_dir=sys.argv[1] if len(sys.argv) > 1 else None)
status = guard.ensure_activated()
checked = time.perf_counter()
if not status.is_licensed:
    sys.exit(f"the cached lease did not admit the app: {status.state.value}")

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
