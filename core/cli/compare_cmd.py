"""`codesynth compare RUN...`: 2 to 4 runs side by side (core.evaluation.compare), as a table, and the figure
as PNG. A RUN is an eval run directory or a run of a sessions file (core.evaluation.compare_sources)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands

RUN_HELP = (
    "DIR (every temperature of a `codesynth eval` run), DIR@0.8 (one of them), FILE#12 (run 12 of a "
    "sessions file, such as the app's sessions.sqlite; FILE alone lists its runs) or FILE#12@0.8 "
    "(one temperature of a sweep)"
)


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "compare",
        help="compare 2 to 4 runs: parameters that differ, pass@k, distinct programs, log-probs, best candidates",
    )
    p.add_argument("runs", nargs="+", metavar="RUN", help=RUN_HELP)
    p.add_argument(
        "--png",
        type=Path,
        help="write the figure (log-probs of passing and failing candidates, pass@k against k) to this PNG file",
    )
    p.add_argument(
        "--diff",
        nargs=2,
        metavar=("A#I", "B#J"),
        help="also print the diff of two candidates, e.g. A#0 B#3 (run letter and candidate index, "
        "of the compared problem)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli.errors import UserError
    from core.evaluation import compare as cmp
    from core.evaluation.compare_sources import NoRunChosen, load_runs

    records = []
    for spec in args.runs:
        try:
            records.extend(load_runs(spec))
        except NoRunChosen as exc:
            print("\n".join(exc.listing))
            raise
    comparison = cmp.compare(records)
    diff = None
    if args.diff:
        first, second = (cmp.pick(comparison, name) for name in args.diff)
        diff = cmp.diff(first, second, *args.diff)
    if args.png is not None:
        try:
            cmp.figure(comparison).savefig(args.png, format="png", dpi=120)
        except OSError as exc:
            raise UserError(f"Could not write {args.png}: {exc.strerror or exc}.") from None
    print(cmp.format_table(comparison))
    if diff is not None:
        print(diff or f"{args.diff[0]} and {args.diff[1]} are the same program.")
    if args.png is not None:
        print(f"figure: {args.png}")
    return 0
