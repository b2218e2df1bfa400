"""Entry point of `codesynth`. Sub-commands live in their own modules and import heavy
libraries (torch, transformers) only when they run, so `--help` and `--version` stay instant."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from core import __version__
from core.cli.errors import UserError
from core.cli.terminal import neutralised_output

# Each module defines register(subparsers); the parser it adds sets `func(args) -> int`.
COMMAND_MODULES = (
    "core.cli.model_cmd",
    "core.cli.generate_cmd",
    "core.cli.check_cmd",
    "core.cli.examples_cmd",
    "core.cli.docstring_cmd",
    "core.cli.eval_cmd",
    "core.cli.report_cmd",
    "core.cli.compare_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codesynth", description="Code synthesis after the Codex paper.")
    parser.add_argument("--version", action="version", version=f"codesynth {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Every command prints text that candidates, models or servers wrote (core.cli.terminal).
    with neutralised_output():
        args = build_parser().parse_args(argv)
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            print("codesynth: interrupted", file=sys.stderr)
            return 130
        except UserError as exc:
            # Only messages written for users: any other exception is a bug and keeps its traceback.
            print(f"codesynth: error: {exc}", file=sys.stderr)
            return 2
        except Exception:  # noqa: BLE001 - a bug: its traceback, printed here so that it is escaped too
            traceback.print_exc()  # (its message may quote a candidate or a server)
            return 1


if __name__ == "__main__":
    sys.exit(main())
