"""Resident memory of a fresh interpreter after one stage of an app's start.

Stages: ``bare`` (nothing), ``floor`` (cryptography's AEAD module only), ``import`` (import
license_guard), ``start`` (import and check the cached lease), ``activate`` (import and activate
online). Prints ``<resident KiB> <peak resident KiB>``, read before anything else is imported.
"""

import os
import sys


def resident_kib() -> tuple[int, int]:
    """VmRSS and VmHWM from /proc (Linux); elsewhere the peak from getrusage, twice."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS
        return peak, peak


stage = sys.argv[1]
if stage == "floor":
    import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401
elif stage != "bare":
    from bench_app import app_guard  # imports license_guard

    if stage != "import":
        guard = app_guard()
        if stage == "start":
            status = guard.ensure_activated()
        else:
            status = guard.activate(os.environ["LG_BENCH_KEY"])
        if not status.is_licensed:
            sys.exit(f"not licensed after {stage}: {status.state.value}")
rss, peak = resident_kib()
print(rss, peak)
