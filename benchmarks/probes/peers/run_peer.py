"""One licensing library in a fresh interpreter of the peers' environment: an app's start with a
cached license, or its repeated calls.

Arguments: the mode and the library (``lg``, ``keymint``, ``cryptolens``, ``licensespring``,
``keygen``: the module ``peer_<name>.py`` beside this file). The license files are in the folder
named by ``PEER_FILES``. Modes, each printing one JSON line:

* ``start``: import the library, compute the host ID, load and check the cached license; the
  milliseconds of each step as seen from inside, and the peak resident memory (KiB).
* ``calls``: after a start, the per-call check and a repeated host-ID computation (ns per call).
* ``setup``: the host ID the library computes here (the harness binds the license files to it);
  a library whose license file only its own storage can write writes it now (``setup()``).
"""

import importlib
import json
import os
import sys
import time
from pathlib import Path


def peak_kib() -> int:
    """VmHWM from /proc (Linux), else the peak from getrusage."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["VmHWM"].split()[0])
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def per_call_ns(function: object) -> float:
    """Nanoseconds per call of *function*, over at least 0.2 s of calls (timeit's autorange)."""
    import timeit

    timer = timeit.Timer("f()", globals={"f": function})
    number, seconds = timer.autorange()
    return seconds / number * 1e9


mode, name = sys.argv[1], sys.argv[2]
peer = importlib.import_module(f"peer_{name}")
files = Path(os.environ["PEER_FILES"])

started = time.perf_counter()
peer.load()
imported = time.perf_counter()
identity = peer.identify(files)
identified = time.perf_counter()
if mode == "setup":
    if hasattr(peer, "setup"):
        peer.setup(files, identity)
    print(json.dumps({"host_id": peer.host_id(identity)}))
    sys.exit(0)
license_ = peer.open_license(files, identity)
checked = time.perf_counter()

if mode == "start":
    report = {
        "import_ms": (imported - started) * 1e3,
        "host_id_ms": (identified - imported) * 1e3,
        "check_ms": (checked - identified) * 1e3,
        "peak_kib": peak_kib(),
    }
else:
    again = peer.identify_again(files)
    report = {
        "check_ns": per_call_ns(peer.check(license_, identity)),
        "host_id_ns": None if again is None else per_call_ns(again),
    }
print(json.dumps(report))
