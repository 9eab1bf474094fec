"""``python -m benchmarks``: measure, print the table, write the JSON results.

    python -m benchmarks            # full mode: the figures for docs/performance.md
    python -m benchmarks --quick    # quick mode (well under a minute): what CI runs
    python -m benchmarks --only 1 5 --markdown
    python -m benchmarks --peers    # beside other licensing libraries (docs/comparison.md)

Exits 0 whether targets are met or not (they are reported, not enforced: this machine is shared
and noisy); anything else means the harness itself failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.report import markdown, table, to_json
from benchmarks.run import FIGURES, run
from benchmarks.settings import FULL, QUICK

RESULTS = Path(__file__).resolve().parent / "results"
#: Interleaved rounds of the peers' comparison (``--peers``, and with ``--quick``).
PEER_ROUNDS, PEER_ROUNDS_QUICK = 15, 3


def main(argv: list[str] | None = None) -> int:
    """Run the harness; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for CI")
    parser.add_argument(
        "--only",
        type=int,
        nargs="+",
        choices=sorted(FIGURES),
        default=[],
        metavar="N",
        help="measure only these figures (1-8)",
    )
    parser.add_argument("--json", type=Path, help="where to write the results (default: results/)")
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="compare with other licensing libraries, installed into an environment of their own",
    )
    args = parser.parse_args(argv)
    if args.peers and args.only:
        parser.error("--only picks the library's own figures; --peers has its own")
    mode = QUICK if args.quick else FULL
    name = "peers" if args.peers else mode.name

    def progress(message: str) -> None:
        print(f"[{name}] {message}", file=sys.stderr, flush=True)

    if args.peers:
        from benchmarks.peers import measure, peers_markdown

        rounds = PEER_ROUNDS_QUICK if args.quick else PEER_ROUNDS
        figures, environment = measure(rounds=rounds, progress=progress)
        print(table(figures, environment))
        print()
        print(peers_markdown(figures, environment))
    else:
        figures, environment = run(mode, only=args.only, progress=progress)
        print(table(figures, environment))
        if args.markdown:
            print()
            print(markdown(figures, environment))
    target = args.json or RESULTS / (f"{name}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(to_json(figures, environment), indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
