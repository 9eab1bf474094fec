"""The benchmark harness, run end to end at a tiny size so it cannot rot. No speed is asserted:
timings are reported by ``python -m benchmarks``, never checked here."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.fleet import OnTheDot, day_ratios, peak_ratio, poisson_peak, simulate
from benchmarks.lab import ProcessRun, lab
from benchmarks.peers import PEERS, figures_of, peers_markdown
from benchmarks.report import Figure, markdown, table, to_json
from benchmarks.run import run
from benchmarks.settings import Mode
from benchmarks.stats import Sample, difference, interleaved, ratio

TINY = Mode(
    name="tiny",
    gate_rounds=2,
    gate_calls=200,
    process_rounds=2,
    memory_rounds=1,
    activation_rounds=2,
    repeat_calls=100,
    fleet_installs=300,
    fleet_seeds=2,
    fleet_days=2,
)


@pytest.fixture(scope="module")
def tiny_run() -> tuple[list[Figure], dict[str, object]]:
    return run(TINY)


def test_every_figure_is_measured_with_a_median_and_a_spread(
    tiny_run: tuple[list[Figure], dict[str, object]],
) -> None:
    figures, environment = tiny_run
    assert [figure.number for figure in figures] == [1, 2, 3, 4, 5, 6, 7, 8]
    for figure in figures:
        if figure.number == 8:  # the relay's load runs: only with relay_requests (full mode)
            assert figure.rows == ()
            assert figure.notes == ("skipped in this mode",)
            continue
        assert figure.rows, figure.title
        for row in figure.rows:
            low, high = row.sample.quartiles
            assert all(math.isfinite(value) for value in row.sample.values), row.label
            assert low <= row.sample.median <= high, row.label
    assert environment["mode"] == "tiny"
    assert environment["load_average"]


def test_targets_are_reported_without_judging_speed_here(
    tiny_run: tuple[list[Figure], dict[str, object]],
) -> None:
    figures, _ = tiny_run
    goals = {target.goal for figure in figures for target in figure.targets}
    assert "under 1 µs added per call" in goals
    assert "at most 40 ms above bare Python" in goals
    assert "busiest minute at most 2x the mean minute" in goals
    by_goal = {target.goal: target for figure in figures for target in figure.targets}
    # Facts, not timings: these hold on any machine, loaded or not.
    assert by_goal["hot path reads memory only"].met, by_goal["hot path reads memory only"]
    assert by_goal["httpx and psutil not imported on a cached-lease start"].met
    assert "each command within 2x the app's cached start" in goals
    assert "import license_guard.hostid does not import the whole package" in goals


def test_the_command_starts_are_compared_with_the_app_start_in_the_same_rounds(
    tiny_run: tuple[list[Figure], dict[str, object]],
) -> None:
    figures, _ = tiny_run
    (commands,) = [figure for figure in figures if figure.number == 7]
    by_label = {row.label: row for row in commands.rows}
    start = by_label["app start: import license_guard + ensure_activated()"]
    for label in (
        "floor: import the AEAD module",
        "license-guard fingerprint",
        "license-guard status (cached lease, offline)",
        "license-guard release (online, emulator on 127.0.0.1)",
        "python -c 'import license_guard.hostid'",
    ):
        row = by_label[label]
        assert row.baseline == "app start", label
        assert row.ratio is not None
        assert len(row.ratio.values) == len(start.sample.values) == TINY.process_rounds
        # The ratio is paired per round: each value is this round's command over its start.
        pairs = zip(row.sample.values, start.sample.values, strict=True)
        assert list(row.ratio.values) == [mine / app for mine, app in pairs]
    imported = commands.data["hostid_imports"]
    assert "license_guard.hostid.api" in imported
    hostid = next(t for t in commands.targets if "hostid" in t.goal)
    assert hostid.met == ("license_guard.guard" not in imported)


def test_each_command_runs_as_installed_against_the_lab() -> None:
    # The figure times only commands that did their job: the lease is there, status reads it
    # offline, release frees the seat, and the lab can activate again for the next round.
    with lab() as the_lab:
        guard = the_lab.guard()
        try:
            host_id, lease = guard.host_id, guard.store.path
        finally:
            guard.close()
        assert the_lab.command("fingerprint").stdout.strip() == host_id
        assert "License:      active" in the_lab.command("status").stdout
        assert "Seat released." in the_lab.command("release").stdout
        assert not lease.exists()
        with pytest.raises(RuntimeError, match="failed"):
            the_lab.command("status")  # exit code 3: not activated
        the_lab.activate()
        assert "License:      active" in the_lab.command("status").stdout


def test_the_report_renders_as_text_markdown_and_json(
    tiny_run: tuple[list[Figure], dict[str, object]],
) -> None:
    figures, environment = tiny_run
    text = table(figures, environment)
    assert "1. Gate overhead per call" in text
    assert "6. Resident memory" in text
    assert "7. Command-line starts" in text
    assert "| 2 | python -c pass |" in markdown(figures, environment)
    data = json.loads(json.dumps(to_json(figures, environment)))
    rows = data["figures"][0]["rows"]
    assert {"median", "p25", "p75", "min", "max", "n", "values"} <= set(rows[0])
    assert rows[1]["ratio"]["baseline"] == "bare"


def test_the_command_writes_its_json_where_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "fleet.json"
    assert main(["--quick", "--only", "5", "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "5. Fleet of 10000 installs" in out
    assert json.loads(target.read_text(encoding="utf-8"))["environment"]["mode"] == "quick"


def test_statistics_pair_rounds_and_interleave_variants() -> None:
    order: list[str] = []

    def variant(name: str, value: float) -> Callable[[], float]:
        def measure() -> float:
            order.append(name)
            return value

        return measure

    found = interleaved(3, {"a": variant("a", 1.0), "b": variant("b", 4.0)}, warmup=1)
    assert found == {"a": [1.0, 1.0, 1.0], "b": [4.0, 4.0, 4.0]}
    assert order == ["a", "b", "a", "b", "b", "a", "a", "b"]  # warm-up, then rotating starts
    subject, baseline = Sample.of([3.0, 5.0, 10.0]), Sample.of([1.0, 1.0, 5.0])
    assert difference(subject, baseline).values == (2.0, 4.0, 5.0)
    assert ratio(subject, baseline).median == 3.0
    assert Sample.of([1, 2, 3, 4, 5]).quartiles == (2.0, 4.0)
    with pytest.raises(ValueError, match="rounds"):
        difference(subject, Sample.of([1.0]))


def test_fleet_simulation_counts_every_check_once() -> None:
    counts = simulate(1000, 2, lambda rng: OnTheDot(), seed=0)
    assert counts[24 * 60] == 1000  # all due at once, one day after the start
    assert sum(counts) == 1000
    assert peak_ratio(counts[24 * 60 :]) == 24 * 60
    assert day_ratios([1, 3] * (24 * 30)) == [1.5]


def test_poisson_peak_matches_a_hand_computed_case() -> None:
    # One bin: the median of Poisson(1) is 1, and P(X <= 2) = e^-1 * (1 + 1 + 1/2).
    peak, chance = poisson_peak(1.0, bins=1)
    assert peak == 1
    assert chance == pytest.approx(math.exp(-1) * 2.5)


def _peer_runs(rounds: int) -> dict[str, list[ProcessRun]]:
    """What the peers' probes print, made up: each peer a fixed multiple of license_guard."""
    slower = {"lg": 1.0, "keymint": 2.0, "cryptolens": 1.5, "licensespring": 8.0, "keygen": 4.0}
    runs: dict[str, list[ProcessRun]] = {"bare": [ProcessRun(10.0, 9.0, "")] * rounds}
    for peer in PEERS:
        x = slower[peer.name]
        start = {"import_ms": 30 * x, "host_id_ms": 3 * x, "check_ms": 5 * x, "peak_kib": 20480 * x}
        calls = {"check_ns": 250 * x, "host_id_ns": None if peer.name == "keygen" else 4e4 * x}
        runs[f"{peer.name}:import"] = [ProcessRun(40 * x, 35 * x, "")] * rounds
        runs[f"{peer.name}:start"] = [ProcessRun(50 * x, 45 * x, json.dumps(start))] * rounds
        runs[f"{peer.name}:calls"] = [ProcessRun(400.0, 400.0, json.dumps(calls))] * rounds
    return runs


def test_the_peers_report_gives_ratios_to_license_guard_and_says_what_is_not_measured() -> None:
    figures = figures_of(_peer_runs(3))
    assert [figure.number for figure in figures] == [1, 2, 3, 4, 5, 6]
    start = {row.label: row for row in figures[0].rows}
    assert start["license_guard"].ratio is None
    assert start["LicenseSpring"].ratio is not None
    assert start["LicenseSpring"].ratio.median == 8.0
    memory = {row.label: row for row in figures[5].rows}
    assert memory["license_guard"].sample.median == 20.0  # KiB reported as MiB
    host_id = figures[2]
    assert "keygen-sdk" not in {row.label for row in host_id.rows}
    assert any(note.startswith("keygen-sdk: n/a") for note in host_id.notes)

    environment = {
        "command": "python -m benchmarks --peers",
        "started_at": "2026-12-03T10:00:00+00:00",
        "rounds": 3,
        "versions": {"license-guard": "0.1.0", "keymint": "2.7.0"},
        "load_average": {"start": 1.5, "during": [1.2, 2.5], "end": 1.8},
    }
    page = peers_markdown(figures, environment)
    assert "Run `python -m benchmarks --peers` on 2026-12-03T10:00:00+00:00" in page
    assert "load average 1.5 at start, 1.2 to 2.5 during, 1.8 at end" in page
    assert "| license_guard 0.1.0 | Keymint SDK 2.7.0 | Cryptolens |" in page
    lines = {line.split(" | ")[1]: line for line in page.splitlines() if line.startswith("| ")}
    fresh_start = lines["Fresh start with a cached license (wall time)"]
    assert "| 1 (reference) | 2.00x (2.00 to 2.00) | 1.50x" in fresh_start
    assert lines["Host ID, computed again"].endswith("| n/a |")


def test_peers_is_its_own_run_and_refuses_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--peers", "--only", "1"])
    assert exited.value.code == 2
    assert "--peers has its own" in capsys.readouterr().err
