"""`codesynth docstring FILE.py`: ranked docstring candidates for each function (Codex-D)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli import arg_types
from core.sampling.params import MODES

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands


def register(sub: Subcommands) -> None:
    p = sub.add_parser("docstring", help="write docstrings for the functions of a file, ranked and back-translated")
    p.add_argument("file", type=Path)
    p.add_argument("-n", type=int, default=5, help="docstring candidates per function")
    p.add_argument("--model", default="default", help="default | catalogue name | HF folder | .gguf file | server URL")
    p.add_argument("--served-model", help="model name on the server, when --model is a server URL")
    p.add_argument("--mode", choices=MODES, default="auto")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--max-new-tokens", type=int, default=96)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tests", type=Path, help="tests whose calls give inputs for the back-translation check")
    p.add_argument(
        "--back-translation-samples",
        type=arg_types.int_between(0, 100),
        default=5,
        help="programs written from each docstring and compared with the original (0 disables)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.cli.errors import UserError, read_text, sandbox_pool
    from core.modes.docstrings import example_inputs, functions_in, scored_docstrings
    from core.sampling.open_backend import open_backend
    from core.sampling.params import SamplingParams

    try:
        functions = functions_in(read_text(args.file, "file"))
    except SyntaxError as exc:
        raise UserError(f"{args.file} is not valid Python (line {exc.lineno}: {exc.msg})") from None
    if not functions:
        raise UserError(f"{args.file} defines no top-level function")
    tests = read_text(args.tests, "tests file") if args.tests else ""
    params = SamplingParams(
        n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens, seed=args.seed, mode=args.mode
    ).validated()
    engine = open_backend(args.model, args.served_model, progress=lambda m: print(m, file=sys.stderr))
    pool = None
    if args.back_translation_samples > 0:
        pool = sandbox_pool()
    try:
        for func in functions:
            print(f"\n== {func.name}")
            inputs = example_inputs(func, tests)
            *_, docs = scored_docstrings(engine, pool, func, inputs, params, args.back_translation_samples)
            for rank, doc in enumerate(docs, start=1):
                score = "" if doc.back_translation is None else f"  back-translation {doc.back_translation:.0%}"
                flag = "  [copies the code: counts as a failure]" if doc.copies_code else ""
                print(f"#{rank} mean log-prob {doc.candidate.mean_logprob:.3f}{score}{flag}")
                print("    " + doc.text.replace("\n", "\n    "))
            if pool is not None and not inputs:
                print("(no back-translation check: no doctests or --tests calls give inputs)")
    finally:
        if pool is not None:
            pool.close()
    return 0
