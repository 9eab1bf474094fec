"""Figure 2: a fresh interpreter that imports license_guard and checks a cached lease, against a
bare interpreter and against one that imports only cryptography's AEAD module (the floor: the
library cannot open a sealed lease without it).
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.lab import PROBES, Lab, ProcessRun
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved, ratio

__all__ = ["measure"]

TARGET_MS = 40.0
FLOOR = "import cryptography.hazmat.primitives.ciphers.aead"
NETWORK_MODULES = ("httpx", "httpcore", "ssl", "psutil")


def measure(lab: Lab, mode: Mode) -> Figure:
    """Interleave the three kinds of process; two warm-up rounds fill the bytecode cache."""
    runs = interleaved(
        mode.process_rounds,
        {
            "bare": lambda: lab.run("-c", "pass"),
            "floor": lambda: lab.run("-c", FLOOR),
            "start": lambda: lab.probe("start"),
        },
        warmup=2,
    )
    wall = {name: Sample.of([run.wall_ms for run in found]) for name, found in runs.items()}
    cpu = {name: Sample.of([run.cpu_ms for run in found]) for name, found in runs.items()}
    inside = [_inside(run) for run in runs["start"]]
    imported = sorted({name for report in inside for name in report["imported"]})
    added = difference(wall["start"], wall["bare"])
    network = [name for name in imported if name in NETWORK_MODULES]
    rows = [
        Row("python -c pass", wall["bare"], "ms"),
        Row("floor: import the AEAD module", wall["floor"], "ms", _x(wall, "floor"), "bare"),
        Row(
            "import license_guard + ensure_activated()",
            wall["start"],
            "ms",
            _x(wall, "start"),
            "bare",
        ),
        Row("  added above bare", added, "ms"),
        Row("  added above the floor", difference(wall["start"], wall["floor"]), "ms"),
        Row("  added above bare, CPU time", difference(cpu["start"], cpu["bare"]), "ms"),
        Row("  inside: import license_guard", Sample.of([r["import_ms"] for r in inside]), "ms"),
        Row("  inside: ensure_activated()", Sample.of([r["check_ms"] for r in inside]), "ms"),
    ]
    if mode.count_instructions:
        rows += _instruction_rows(lab, inside[-1]["modules"])
    return Figure(
        number=2,
        title="Cold start with a cached lease",
        rows=tuple(rows),
        targets=(
            Target("at most 40 ms above bare Python", added.median <= TARGET_MS, _by(added)),
            Target(
                "httpx and psutil not imported on a cached-lease start",
                not network,
                "imported: " + (", ".join(network) or "none of " + ", ".join(NETWORK_MODULES)),
            ),
        ),
        notes=(
            "wall time of the whole process, started and awaited by the harness; paired per round",
            "the lease folder is the platform default (platformdirs); "
            "watched modules this start imported: " + (", ".join(imported) or "none"),
        ),
        data={"modules": inside[-1]["modules"], "watched_imported": imported},
    )


def _instruction_rows(lab: Lab, modules: list[str]) -> list[Row]:
    """Instructions executed (millions), one count each: they do not vary from run to run.

    The start is climbed to in steps: the floor, then every other module the start imports
    except license_guard's own, then those too, then the start itself (the work).
    """
    start = str(PROBES / "start.py")
    others = [name for name in modules if name.split(".")[0] not in ("license_guard", "__main__")]
    counts = {
        "bare": lab.instructions("-c", "pass"),
        "floor": lab.instructions("-c", FLOOR),
        "others": lab.instructions("-c", _import_all([FLOOR.split()[1], *others])),
        "modules": lab.instructions("-c", _import_all([FLOOR.split()[1], *modules])),
        "start": lab.instructions(start),
        "given": lab.instructions(start, str(lab.data_dir)),
    }
    if None in counts.values():
        return []
    m = {name: Sample.of([(count or 0) / 1e6]) for name, count in counts.items()}
    return [
        Row("instructions: python -c pass", m["bare"], "M"),
        Row("instructions: floor", m["floor"], "M", ratio(m["floor"], m["bare"]), "bare"),
        Row("instructions: the start", m["start"], "M", ratio(m["start"], m["bare"]), "bare"),
        Row("  step: the floor", difference(m["floor"], m["bare"]), "M"),
        Row(
            "  step: other modules (stdlib, platformdirs)", difference(m["others"], m["floor"]), "M"
        ),
        Row("  step: license_guard's own modules", difference(m["modules"], m["others"]), "M"),
        Row(
            "  step: the work (host ID, lease, decision)", difference(m["start"], m["modules"]), "M"
        ),
        Row("instructions: the start, data_dir given", m["given"], "M"),
    ]


def _import_all(names: list[str]) -> str:
    """A program that imports each of *names* (those that exist under that name)."""
    return (
        f"for name in {names!r}:\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except ImportError:\n"
        "        pass\n"
    )


def _x(wall: dict[str, Sample], name: str) -> Sample:
    return ratio(wall[name], wall["bare"])


def _by(added: Sample) -> str:
    over = added.median - TARGET_MS
    if over <= 0:
        return f"{number(added.median)} ms above bare"
    return f"{number(added.median)} ms above bare, {number(over)} ms over"


def _inside(run: ProcessRun) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(run.stdout)
    return report
