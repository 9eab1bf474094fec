"""Figure 6: resident memory of a fresh interpreter after importing the library, checking the
cached lease, or activating online, against a bare interpreter."""

from __future__ import annotations

from functools import partial

from benchmarks.lab import Lab
from benchmarks.report import Figure, Row
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved

__all__ = ["measure"]

STAGES = {
    "bare": "bare interpreter",
    "floor": "import the AEAD module only (floor)",
    "import": "import license_guard",
    "start": "import + ensure_activated() (cached lease)",
    "activate": "import + activate() online",
}


def _resident(lab: Lab, stage: str) -> str:
    return lab.probe("memory", stage).stdout


def measure(lab: Lab, mode: Mode) -> Figure:
    """Resident set size (VmRSS) at the end of each stage, in MiB."""
    found = interleaved(
        mode.memory_rounds,
        {stage: partial(_resident, lab, stage) for stage in STAGES},
    )
    resident = {
        stage: Sample.of([int(out.split()[0]) / 1024 for out in outputs])
        for stage, outputs in found.items()
    }
    peak = Sample.of([int(out.split()[1]) / 1024 for out in found["activate"]])
    bare = resident["bare"]
    rows = [Row(label, resident[stage], "MiB") for stage, label in STAGES.items()]
    rows += [
        Row(f"  added by {STAGES[stage]}", difference(resident[stage], bare), "MiB")
        for stage in ("import", "start", "activate")
    ]
    rows.append(Row("  peak during import + activate() online", peak, "MiB"))
    return Figure(
        number=6,
        title="Resident memory",
        rows=tuple(rows),
        notes=("VmRSS read from /proc/self/status at the end of each stage; paired per round",),
    )
