"""One run of the harness: the lab, the figures asked for, and a description of the machine."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timezone
from importlib.metadata import version
from typing import Any

from benchmarks import (
    activation,
    cli_start,
    cold_start,
    fleet,
    gate_overhead,
    host_identity,
    memory,
)
from benchmarks.lab import Lab, lab
from benchmarks.report import Figure
from benchmarks.settings import Mode

__all__ = ["FIGURES", "run"]

FIGURES: Mapping[int, Callable[[Lab, Mode], Figure]] = {
    1: gate_overhead.measure,
    2: cold_start.measure,
    3: host_identity.measure,
    4: activation.measure,
    5: fleet.measure,
    6: memory.measure,
    7: cli_start.measure,
}


def run(
    mode: Mode, *, only: Collection[int] = (), progress: Callable[[str], None] = lambda _: None
) -> tuple[list[Figure], dict[str, Any]]:
    """Measure the figures numbered in *only* (all when empty), in order.

    *progress* hears the title of each figure before it is measured (for a terminal).
    Returns the figures and the environment they were measured in.
    """
    started = time.perf_counter()
    environment: dict[str, Any] = {
        "mode": mode.name,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "executable": sys.executable,
        "versions": {name: version(name) for name in ("license-guard", "cryptography", "httpx")},
        "load_average": {"start": _load()},
        "settings": {k: v for k, v in vars(mode).items() if k != "name"},
    }
    figures = []
    durations: dict[int, float] = {}
    with lab() as the_lab:
        for number, measure in FIGURES.items():
            if only and number not in only:
                continue
            progress(f"figure {number}")
            began = time.perf_counter()
            figures.append(measure(the_lab, mode))
            durations[number] = round(time.perf_counter() - began, 1)
            progress(f"figure {number} took {durations[number]} s")
    environment["figure_seconds"] = durations
    environment["load_average"]["end"] = _load()
    environment["seconds"] = time.perf_counter() - started
    return figures, environment


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # no load average on this platform
        return None
