"""Figure 7: the start of each ``license-guard`` command a user or an installer runs, beside the
app's cached start and the floor, and the host-ID package imported alone.

The commands run as installed: the console script, in a fresh interpreter, with the lab's
settings in ``LICENSE_GUARD_*`` variables and the lease in the platform's default folder.
``release`` is the real one: online, against the lab's emulator on 127.0.0.1, so it imports httpx
and frees the seat; after each round the harness activates the device again (not timed), so that
every round of every variant finds the same cached lease.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from benchmarks.cold_start import FLOOR
from benchmarks.lab import PROBES, Lab, ProcessRun
from benchmarks.report import Figure, Row, Target, number
from benchmarks.settings import Mode
from benchmarks.stats import Sample, interleaved, ratio

__all__ = ["COMMANDS", "measure"]

TARGET_RATIO = 2.0
HOSTID_IMPORT = "import license_guard.hostid"
# What the host ID has no use for: importing any of these means the package came with it.
NOT_FOR_THE_HOST_ID = (
    "license_guard.guard",
    "license_guard.lease",
    "license_guard.gate",
    "license_guard.backends",
)

# label, arguments, what it prints on success (checked, so a failing command is not timed)
COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("license-guard fingerprint", ("fingerprint",), ""),
    ("license-guard status (cached lease, offline)", ("status",), "License:      active"),
    ("license-guard release (online, emulator on 127.0.0.1)", ("release",), "Seat released."),
)


def measure(lab: Lab, mode: Mode) -> Figure:
    """Interleave the floor, the app's start, the commands and the host-ID import."""
    variants = {
        "floor": lambda: lab.run("-c", FLOOR),
        "start": lambda: lab.probe("start"),
        **{label: _command(lab, args, expected) for label, args, expected in COMMANDS},
        "hostid": lambda: lab.run("-c", HOSTID_IMPORT),
    }
    runs = interleaved(mode.process_rounds, variants, warmup=2)
    wall = {name: Sample.of([run.wall_ms for run in found]) for name, found in runs.items()}
    start = wall["start"]
    rows = [
        Row("app start: import license_guard + ensure_activated()", start, "ms"),
        Row(
            "floor: import the AEAD module",
            wall["floor"],
            "ms",
            ratio(wall["floor"], start),
            "app start",
        ),
    ]
    rows += [
        Row(label, wall[label], "ms", ratio(wall[label], start), "app start")
        for label, _, _ in COMMANDS
    ]
    imported = _hostid_imports(lab)
    rows.append(
        Row(
            f"python -c '{HOSTID_IMPORT}'",
            wall["hostid"],
            "ms",
            ratio(wall["hostid"], start),
            "app start",
        )
    )
    if mode.count_instructions:
        rows += _instruction_rows(lab)
    ratios = {label: ratio(wall[label], start).median for label, _, _ in COMMANDS}
    slowest = max(ratios, key=ratios.__getitem__)
    whole = [name for name in NOT_FOR_THE_HOST_ID if name in imported]
    return Figure(
        number=7,
        title="Command-line starts",
        rows=tuple(rows),
        targets=(
            Target(
                "each command within 2x the app's cached start",
                all(value <= TARGET_RATIO for value in ratios.values()),
                ", ".join(
                    f"{label.split(' (')[0]} {number(value)}x" for label, value in ratios.items()
                )
                + f" (slowest: {slowest.split(' (')[0]})",
            ),
            Target(
                "import license_guard.hostid does not import the whole package",
                not whole,
                f"{len(imported)} license_guard modules imported"
                + (", among them " + ", ".join(whole) if whole else ""),
            ),
        ),
        notes=(
            "wall time of each fresh process, fork to exit, interleaved with the app's start; "
            "ratios are paired per round",
            "release frees the seat on the emulator; the device is activated again after each "
            "round, untimed",
        ),
        data={"hostid_imports": imported},
    )


def _command(lab: Lab, args: tuple[str, ...], expected: str) -> Callable[[], ProcessRun]:
    """A variant that runs one command and checks what it printed."""

    def run() -> ProcessRun:
        done = lab.command(*args)
        if expected not in done.stdout:
            raise RuntimeError(f"license-guard {' '.join(args)} printed {done.stdout!r}")
        if args == ("release",):
            lab.activate()
        return done

    return run


def _instruction_rows(lab: Lab) -> list[Row]:
    """Instructions executed (millions; valgrind), one count each: unlike wall time, they do not
    move with the machine's load. ``release`` counts the command's own instructions (waiting for
    the emulator's answer executes none); the device is activated again after it."""
    script = lab.command_script()
    counts = {
        "app start": lab.instructions(str(PROBES / "start.py")),
        "license-guard fingerprint": lab.instructions(script, "fingerprint"),
        "license-guard status": lab.instructions(script, "status"),
        "license-guard release": lab.instructions(script, "release"),
    }
    lab.activate()
    counts[HOSTID_IMPORT] = lab.instructions("-c", HOSTID_IMPORT)
    if None in counts.values():
        return []
    m = {name: Sample.of([(count or 0) / 1e6]) for name, count in counts.items()}
    start = m.pop("app start")
    return [Row("instructions: app start", start, "M")] + [
        Row(f"instructions: {name}", sample, "M", ratio(sample, start), "app start")
        for name, sample in m.items()
    ]


def _hostid_imports(lab: Lab) -> list[str]:
    """The license_guard modules a fresh ``import license_guard.hostid`` imports (one run)."""
    program = (
        f"{HOSTID_IMPORT}\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'license_guard')))"
    )
    found: list[str] = json.loads(lab.run("-c", program).stdout)
    return found
