"""``python -m benchmarks --peers``: license_guard beside its peers, in one run, on one machine.

The peers are other Python licensing libraries, installed from the package index into a
throwaway environment of their own (:mod:`benchmarks.peer_env`), never into the library's. Each
one checks a license offline, from a file made for this run (:mod:`benchmarks.peer_files`). What
is timed, in fresh interpreters of that environment and in interleaved rounds (every library
once per round, in rotating order, so that the machine's noise lands on all of them alike):

1. an app's start: import, host ID, load and check the cached license (wall time, from outside);
2. the bare import of what that start imports;
3. the host ID, first computed in a fresh process (from inside), and 4. computed again;
5. the per-call check of a license already loaded;
6. the peak resident memory of the start.

Each figure is reported as each peer's ratio to license_guard in the same round (the median of
the per-round ratios, with their spread), not as absolute times: the machine is shared.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import peer_files
from benchmarks.lab import APP_ID, PROBES, Lab, ProcessRun, lab
from benchmarks.peer_env import prepare
from benchmarks.report import Figure, Row, number
from benchmarks.stats import Sample, interleaved, ratio
from license_guard import LicenseGuard

__all__ = ["COMMAND", "PEERS", "Peer", "measure", "peers_markdown"]

COMMAND = "python -m benchmarks --peers"
RUNNER = PROBES / "peers" / "run_peer.py"
REFERENCE = "license_guard"


@dataclass(frozen=True)
class Peer:
    """A library compared: its probe module's name, its label, its package on the index, and
    the import its start needs."""

    name: str
    label: str
    package: str
    imports: str


PEERS = (
    Peer("lg", REFERENCE, "license-guard", "import license_guard"),
    Peer("keymint", "Keymint SDK", "keymint", "import keymint"),
    Peer("cryptolens", "Cryptolens", "licensing", "import licensing.methods, licensing.models"),
    Peer(
        "licensespring",
        "LicenseSpring",
        "licensespring",
        "import licensespring.licensefile.license_manager",
    ),
    Peer("keygen", "keygen-sdk", "keygen-sdk", "import keygen"),
)

#: The figures: title, unit, and where the values come from (``<probe mode>`` for the wall time
#: of the process, ``<probe mode>.<key>`` for what the probe reports; ns become µs, KiB MiB).
FIGURES = {
    1: ("Fresh start with a cached license (wall time)", "ms", "start"),
    2: ("Bare import of what the start imports (wall time)", "ms", "import"),
    3: ("Host ID, first computation in a fresh process", "ms", "start.host_id_ms"),
    4: ("Host ID, computed again", "µs", "calls.host_id_ns"),
    5: ("Per-call check of a loaded license", "µs", "calls.check_ns"),
    6: ("Peak resident memory of the start", "MiB", "start.peak_kib"),
}

#: What cannot be measured for a peer, and why (by figure number, then peer name).
NOT_MEASURED = {
    3: {"keygen": "keygen-sdk has no host-ID function: the app brings its own fingerprint"},
    4: {"keygen": "keygen-sdk has no host-ID function: the app brings its own fingerprint"},
}


def measure(
    *, rounds: int, progress: Callable[[str], None] = lambda _: None
) -> tuple[list[Figure], dict[str, Any]]:
    """Prepare the peers' environment, make their license files, and time them.

    Returns the figures and the environment they were measured in (versions, load average).

    Raises:
        RuntimeError: the environment could not be installed, or a probe failed.
    """
    started = time.perf_counter()
    environment: dict[str, Any] = {
        "mode": "peers",
        "command": COMMAND,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "rounds": rounds,
        "load_average": {"start": _load()},
    }
    env = prepare(Path(__file__).resolve().parent / "results" / "peers-env", progress=progress)
    environment["versions"] = env.versions
    loads: list[float] = []
    with lab() as the_lab, tempfile.TemporaryDirectory(prefix="license-guard-peers-") as scratch:
        files = Path(scratch)
        progress("making each peer's license file")
        probe_env = _setup(the_lab, files, env.python)

        def run(*args: str) -> ProcessRun:
            return the_lab.run(*args, env=probe_env, python=env.python)

        def bare() -> ProcessRun:
            load = _load()
            if load is not None:
                loads.append(load)
            return run("-c", "pass")

        variants: dict[str, Callable[[], ProcessRun]] = {"bare": bare}
        for peer in PEERS:
            variants[f"{peer.name}:import"] = _bind(run, "-c", peer.imports)
            variants[f"{peer.name}:start"] = _bind(run, str(RUNNER), "start", peer.name)
            variants[f"{peer.name}:calls"] = _bind(run, str(RUNNER), "calls", peer.name)
        progress(f"{rounds} interleaved rounds of {len(variants)} processes")
        runs = interleaved(rounds, variants, warmup=2)
    environment["load_average"]["during"] = [min(loads), max(loads)] if loads else None
    environment["load_average"]["end"] = _load()
    environment["seconds"] = time.perf_counter() - started
    return figures_of(runs), environment


def _bind(run: Callable[..., ProcessRun], *args: str) -> Callable[[], ProcessRun]:
    return lambda: run(*args)


def _setup(the_lab: Lab, files: Path, python: str) -> dict[str, str]:
    """Every peer's license file in *files*, bound to the host ID that peer computes here; the
    probes' environment."""
    guard = LicenseGuard(app_id=APP_ID, backend=the_lab.backend(), data_dir=files / "license_guard")
    try:
        guard.activate(the_lab.seed.license_key)
    finally:
        guard.close()
    probe_env = the_lab.environment()
    probe_env.update(
        PEER_FILES=str(files),
        PEER_PRODUCT=peer_files.PRODUCT,
        PEER_LS_SHARED_KEY="benchmark-shared-key",
    )
    host = {
        peer.name: json.loads(
            the_lab.run(str(RUNNER), "setup", peer.name, env=probe_env, python=python).stdout
        )["host_id"]
        for peer in PEERS
        if peer.name != "lg"
    }
    peer_files.write_keymint(files, host["keymint"])
    peer_files.write_cryptolens(files, host["cryptolens"])
    keygen = peer_files.write_keygen(files, host["keygen"])
    probe_env.update(
        PEER_KEYGEN_PUBLIC_KEY=keygen.public_key, PEER_KEYGEN_LICENSE_KEY=keygen.license_key
    )
    return probe_env


def figures_of(runs: Mapping[str, Sequence[ProcessRun]]) -> list[Figure]:
    """The six figures from the processes of every round (by variant name)."""

    def inside(peer: Peer, mode: str, key: str, scale: float = 1.0) -> Sample | None:
        values = [json.loads(run.stdout)[key] for run in runs[f"{peer.name}:{mode}"]]
        if None in values:
            return None
        return Sample.of(values).scaled(scale)

    def wall(name: str) -> Sample:
        return Sample.of([run.wall_ms for run in runs[name]])

    def sample_of(source: str, peer: Peer) -> Sample | None:
        mode, _, key = source.partition(".")
        if not key:  # wall time of the process, from outside
            return wall(f"{peer.name}:{mode}")
        scale = {"ns": 1e-3, "kib": 1 / 1024}.get(key.rsplit("_", 1)[1], 1.0)
        return inside(peer, mode, key, scale)

    figures = []
    for number_, (title, unit, source) in FIGURES.items():
        skipped = NOT_MEASURED.get(number_, {})
        samples = {p.name: sample_of(source, p) for p in PEERS if p.name not in skipped}
        reference = samples["lg"]
        rows = []
        if number_ in (1, 2):
            rows.append(Row("python -c pass", wall("bare"), unit))
        for peer in PEERS:
            sample = samples.get(peer.name)
            if sample is None or reference is None:
                continue
            if peer.name == "lg":
                rows.append(Row(peer.label, sample, unit))
            else:
                rows.append(Row(peer.label, sample, unit, ratio(sample, reference), REFERENCE))
        not_measured = {_label(name): why for name, why in skipped.items()}
        figures.append(
            Figure(
                number=number_,
                title=title,
                rows=tuple(rows),
                notes=tuple(f"{label}: n/a ({why})" for label, why in not_measured.items()),
                data={"not_measured": not_measured},
            )
        )
    return figures


def _label(name: str) -> str:
    return next(peer.label for peer in PEERS if peer.name == name)


def peers_markdown(figures: Sequence[Figure], environment: Mapping[str, Any]) -> str:
    """The comparison as pasted into docs/comparison.md: one line per figure, one column per
    library, each cell a peer's median ratio to license_guard (and its p25 to p75)."""
    versions = environment.get("versions", {})
    columns = [
        f"{peer.label} {versions[peer.package]}" if peer.package in versions else peer.label
        for peer in PEERS
    ]
    load = environment.get("load_average", {})
    during = load.get("during") or ["?", "?"]
    lines = [
        f"Run `{environment.get('command', COMMAND)}` on {environment.get('started_at', '?')}: "
        f"Python {environment.get('python')}, {environment.get('platform')}, "
        f"{environment.get('cpus')} CPUs, {environment.get('rounds')} rounds, load average "
        f"{load.get('start', '?')} at start, {during[0]} to {during[1]} during, "
        f"{load.get('end', '?')} at end.",
        "",
        "| # | measurement | " + " | ".join(columns) + " |",
        "|---|---" + "|---" * len(columns) + "|",
    ]
    for figure in figures:
        by_label = {row.label: row for row in figure.rows}
        not_measured = figure.data.get("not_measured", {})
        cells = []
        for peer in PEERS:
            row = by_label.get(peer.label)
            if peer.label in not_measured or row is None:
                cells.append("n/a")
            elif row.ratio is None:
                cells.append("1 (reference)")
            else:
                p25, p75 = row.ratio.quartiles
                cells.append(f"{number(row.ratio.median)}x ({number(p25)} to {number(p75)})")
        lines.append(f"| {figure.number} | {figure.title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # no load average on this platform
        return None
