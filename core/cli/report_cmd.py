"""`codesynth report DIR`: the HTML report (with PNG and SVG figures) of an evaluation run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands


def register(sub: Subcommands) -> None:
    p = sub.add_parser("report", help="write an HTML report with figures for a `codesynth eval` run")
    p.add_argument("run_dir", type=Path, help="the --out directory of `codesynth eval`")
    p.add_argument("--out", type=Path, default=None, help="where to write the report (default: the run directory)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli.errors import UserError
    from core.evaluation.report import write_report

    if not args.run_dir.is_dir():
        raise UserError(f"not a run directory: {args.run_dir}")
    try:
        page = write_report(args.run_dir, args.out)
    except OSError as exc:
        if exc.filename is None:
            raise
        # A folder that cannot be made or written (--out a file, no permission, a full disk).
        raise UserError(f"cannot write the report: {exc.strerror or exc}: {exc.filename}") from None
    print(page)
    return 0
