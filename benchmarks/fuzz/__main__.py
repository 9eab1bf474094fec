"""``python -m benchmarks.fuzz [--leases N] [--answers N] [--seed S] [--workers W]``.

Exits 0 when there were no acceptances, no exceptions outside the LicenseError tree and no
errors in the fuzzer itself; 1 when there were (the findings are printed); 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.fuzz import default_workers, run_campaign


def main(argv: list[str] | None = None) -> int:
    """Run the campaign, print the figures; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fuzz",
        description="Mutated leases and hostile server answers against license_guard.",
    )
    parser.add_argument("--leases", type=int, default=1_000_000, help="lease mutations (total)")
    parser.add_argument("--answers", type=int, default=100_000, help="mutated answers (total)")
    parser.add_argument("--seed", type=int, default=1, help="the campaign's random seed")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes")
    args = parser.parse_args(argv)
    if args.leases < 0 or args.answers < 0 or args.workers < 1:
        parser.error("counts must be >= 0 and workers >= 1")

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    campaign, walls = run_campaign(
        leases=args.leases,
        answers=args.answers,
        seed=args.seed,
        workers=args.workers,
        progress=progress,
    )
    wall = time.perf_counter() - started
    print(
        f"python -m benchmarks.fuzz --leases {args.leases} --answers {args.answers} "
        f"--seed {args.seed} --workers {args.workers}: {wall:.0f} s in all"
    )
    for name, tally in campaign.items():
        print(tally.report(walls[name]))
    findings = sum(
        tally.acceptances + tally.foreign + tally.harness_errors for tally in campaign.values()
    )
    print(f"TOTAL findings (acceptances + foreign exceptions + fuzzer bugs): {findings}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
