"""The host ID in a fresh process that has imported license_guard: the first computation (import
of the host-ID package included, as the guard imports it on first use), then repeated calls.

Arguments: the install-ID path, the number of repeated computations (each reads the sources
again), the number of repeated calls of the guard's cached ``host_id``. Prints one JSON line. Every
process the computation starts is seen by an audit hook (on Linux there must be none).
"""

import json
import os
import sys
import time
from pathlib import Path

from license_guard import KeymintBackend, LicenseGuard

SPAWNING = ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.spawn", "os.system")
spawned: list[str] = []
opened: list[str] = []
watching_opens = False


def watch(event: str, args: object) -> None:
    if event in SPAWNING:
        spawned.append(event)
    elif event == "open" and watching_opens:
        opened.append(event)


sys.addaudithook(watch)
install_id_path, recomputations, repeats = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
app_id = os.environ["LG_BENCH_APP"]

started = time.perf_counter()
from license_guard.hostid import default_sources, resolve_host_identity  # noqa: E402

imported = time.perf_counter()
sources = default_sources(install_id_path=install_id_path)
identity = resolve_host_identity(app_id, sources)
computed = time.perf_counter()

for _ in range(recomputations):
    resolve_host_identity(app_id, sources)
recomputed = time.perf_counter()

guard = LicenseGuard(
    app_id=app_id,
    backend=KeymintBackend(
        product_id=os.environ["LG_BENCH_PRODUCT"],
        access_token=os.environ["LG_BENCH_TOKEN"],
        base_url=os.environ["LG_BENCH_URL"],
    ),
    data_dir=install_id_path.parent,
)
if guard.host_id != identity.host_id:
    sys.exit("the guard and the host-ID package disagree about this device")
watching_opens = True
cached_from = time.perf_counter()
for _ in range(repeats):
    guard.host_id  # noqa: B018  (the property is what is timed)
cached_to = time.perf_counter()
watching_opens = False

print(
    json.dumps(
        {
            "source": identity.source,
            "first_ms": (computed - started) * 1e3,
            "import_ms": (imported - started) * 1e3,
            "compute_ms": (computed - imported) * 1e3,
            "recompute_us": (recomputed - computed) / recomputations * 1e6,
            "cached_ns": (cached_to - cached_from) / repeats * 1e9,
            "spawned": spawned,
            "cached_opens": len(opened),
        }
    )
)
