"""What a run reports: figures made of rows, targets met or missed, as a table, Markdown or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.stats import Sample

__all__ = ["Figure", "Row", "Target", "markdown", "table", "to_json"]


@dataclass(frozen=True)
class Row:
    """One measured quantity: its sample and, where it has one, its ratio to a baseline measured
    in the same rounds (``ratio``, per round) and that baseline's label."""

    label: str
    sample: Sample
    unit: str
    ratio: Sample | None = None
    baseline: str | None = None

    def comparison(self) -> str:
        """``"2.31x bare call"``, or ``""`` without a baseline."""
        if self.ratio is None or self.baseline is None:
            return ""
        return f"{number(self.ratio.median)}x {self.baseline}"


@dataclass(frozen=True)
class Target:
    """A target of the issue, whether this run met it, and what was measured against it."""

    goal: str
    met: bool
    measured: str

    @property
    def verdict(self) -> str:
        """``"met"`` or ``"MISSED"``."""
        return "met" if self.met else "MISSED"


@dataclass(frozen=True)
class Figure:
    """One numbered figure of the issue."""

    number: int
    title: str
    rows: tuple[Row, ...]
    targets: tuple[Target, ...] = ()
    notes: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


def number(value: float) -> str:
    """*value* with three significant digits at most, as a reader wants it."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _cells(row: Row) -> list[str]:
    p25, p75 = row.sample.quartiles
    unit = row.unit if row.unit == "x" else f" {row.unit}"
    return [
        row.label,
        f"{number(row.sample.median)}{unit}",
        f"{number(p25)} to {number(p75)}",
        str(len(row.sample.values)),
        row.comparison(),
    ]


_HEADER = ["measurement", "median", "IQR (p25 to p75)", "n", "vs baseline"]


def table(figures: Sequence[Figure], environment: Mapping[str, Any]) -> str:
    """The run as plain text for a terminal."""
    lines = [f"license_guard benchmarks: {_describe(environment)}"]
    for figure in figures:
        lines += ["", f"{figure.number}. {figure.title}"]
        grid = [_HEADER] + [_cells(row) for row in figure.rows]
        widths = [max(len(cells[i]) for cells in grid) for i in range(len(_HEADER))]
        for cells in grid:
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
            )
        lines += [f"  - {note}" for note in figure.notes]
        lines += [f"  target {t.verdict}: {t.goal} ({t.measured})" for t in figure.targets]
    return "\n".join(lines)


def markdown(figures: Sequence[Figure], environment: Mapping[str, Any]) -> str:
    """The run as Markdown tables, as pasted into docs/performance.md."""
    lines = [f"Run: {_describe(environment)}", ""]
    lines += ["| # | " + " | ".join(_HEADER) + " |", "|---" * (len(_HEADER) + 1) + "|"]
    for figure in figures:
        for row in figure.rows:
            cells = _cells(row)
            label = cells[0].lstrip(" ")
            cells[0] = "&nbsp;" * (len(cells[0]) - len(label)) + label  # keep the indentation
            lines.append(f"| {figure.number} | " + " | ".join(cells) + " |")
    lines += ["", "| # | target | result | measured |", "|---|---|---|---|"]
    for figure in figures:
        for target in figure.targets:
            verdict = "met" if target.met else "**missed**"
            lines.append(f"| {figure.number} | {target.goal} | {verdict} | {target.measured} |")
    return "\n".join(lines)


def to_json(figures: Sequence[Figure], environment: Mapping[str, Any]) -> dict[str, Any]:
    """Everything, every raw value included, for results/*.json."""
    return {
        "environment": dict(environment),
        "figures": [
            {
                "number": figure.number,
                "title": figure.title,
                "rows": [_row_json(row) for row in figure.rows],
                "targets": [
                    {"goal": t.goal, "met": t.met, "measured": t.measured} for t in figure.targets
                ],
                "notes": list(figure.notes),
                "data": dict(figure.data),
            }
            for figure in figures
        ],
    }


def _row_json(row: Row) -> dict[str, Any]:
    result: dict[str, Any] = {"label": row.label, "unit": row.unit, **row.sample.summary()}
    result["values"] = list(row.sample.values)
    if row.ratio is not None:
        result["ratio"] = {"baseline": row.baseline, **row.ratio.summary()}
    return result


def _describe(environment: Mapping[str, Any]) -> str:
    load = environment.get("load_average", {})
    return (
        f"{environment.get('mode')} mode, Python {environment.get('python')}, "
        f"{environment.get('platform')}, {environment.get('cpus')} CPUs, "
        f"load {load.get('start', '?')} at start and {load.get('end', '?')} at end, "
        f"{environment.get('seconds', 0):.0f} s"
    )
