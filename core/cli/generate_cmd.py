"""`codesynth generate`: n candidates for one prompt, ranked by mean log-prob, optionally tested."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.errors import UserError, read_text, sandbox_pool
from core.ranking.order import RANKINGS
from core.sampling.params import CODEX_STOPS, DEFAULT_MAX_NEW_TOKENS, MODES, SamplingParams

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands
    from core.evaluation.jsonl import JsonObject
    from core.remote.http import RemoteError
    from core.sampling.candidate import Candidate, CandidateDone, TokenDelta
    from core.sampling.interface import Backend
    from sandbox import RunResult, SandboxPool


def register(sub: Subcommands) -> None:
    p = sub.add_parser("generate", help="sample candidates for a prompt (signature + docstring)")
    p.add_argument("prompt", nargs="?", help="prompt file, or - for standard input")
    p.add_argument("--task", help="take prompt and tests from a HumanEval task, e.g. HumanEval/0")
    p.add_argument("--tests", type=Path, help="file with a check(candidate) function or plain asserts")
    p.add_argument("--entry-point", help="name of the function under test (default: the prompt's last def)")
    p.add_argument(
        "--model",
        default="default",
        help="default | catalogue name | HF folder | .gguf file | server URL (http://host:port/v1)",
    )
    p.add_argument("--served-model", help="model name on the server, when --model is a server URL")
    p.add_argument("-n", type=int, default=10, help="number of candidates (1-1000)")
    p.add_argument("--temperature", type=float, default=0.8, help="0 means greedy")
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--top-k", type=int, default=0, help="0 disables top-k")
    p.add_argument("--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--prefix",
        default="",
        help="text every completion starts with (teacher-forced; its "
        "log-probs count in the ranking); not available with a server",
    )
    p.add_argument("--stop", action="append", help=f"stop sequence (repeatable; default: {CODEX_STOPS!r})")
    p.add_argument("--mode", choices=MODES, default="auto", help="auto: instruct if the model has a chat template")
    p.add_argument(
        "--rank",
        choices=tuple(RANKINGS),
        default="mean_logprob",
        help="order of the candidates: cluster and agreement run them on more inputs and on tests "
        "the model writes (slower); back_translation scores each one with the model",
    )
    p.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    p.add_argument("--out", type=Path, help="write JSONL here instead of standard output")
    p.set_defaults(func=run)


def read_prompt(args: argparse.Namespace) -> tuple[str, str, str | None, str | None]:
    """(task_id, prompt, tests, entry_point) from --task, a file or standard input."""
    if args.task:
        from core.evaluation.problems import load_problems

        problems = load_problems()
        if args.task not in problems:
            raise UserError(f"unknown task id {args.task!r}")
        p = problems[args.task]
        return args.task, p["prompt"], p["test"], p["entry_point"]
    if not args.prompt:
        raise UserError("give a prompt file, - for standard input, or --task")
    if args.prompt == "-":
        data, name = sys.stdin.buffer.read(), "stdin"
    else:
        path = Path(args.prompt)
        if not path.is_file():
            raise UserError(f"prompt file not found: {path}")
        data, name = path.read_bytes(), path.stem
    try:
        prompt = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"the prompt is not valid UTF-8 (byte {exc.start})") from None
    tests = read_text(args.tests, "tests file") if args.tests else None
    return name, prompt, tests, args.entry_point


def run(args: argparse.Namespace) -> int:
    from core.modes.entry_point import entry_point as find_entry_point
    from core.modes.source_check import tests_problem
    from core.pipeline import Harness, run_pipeline, run_to_end
    from core.ranking.order import SCORED, rank
    from core.sampling.open_backend import open_backend

    task_id, prompt, tests, entry_point = read_prompt(args)
    params = SamplingParams(
        n=args.n,
        temperature=args.temperature,
        top_p=args.top_p,
        top_k=args.top_k,
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
        stop=tuple(args.stop) if args.stop else CODEX_STOPS,
        mode=args.mode,
        prefix=args.prefix,
    ).validated()
    if not prompt.strip():
        raise UserError("the prompt is empty")
    # The same rule as the app's: the tests call the last top-level function. Checked before the
    # model loads, so a mistake costs no generation.
    entry = entry_point or find_entry_point(prompt)
    if tests is not None and entry is None:
        raise UserError("the prompt defines no top-level function for the tests to call: give --entry-point")
    problem = tests_problem(tests) if tests is not None else None
    if problem is not None:
        raise UserError(problem[1][0].lower() + problem[1][1:].rstrip("."))
    if args.rank in SCORED and entry is None:
        raise UserError(f"--rank {args.rank} needs a prompt that defines a function: give --entry-point")
    if args.out and not args.out.parent.is_dir():  # checked now: the candidates would be lost after generating
        raise UserError(f"cannot write {args.out}: its folder does not exist")
    # Messages go to standard error in both formats: standard output stays pure JSONL, and a
    # notice such as a server falling back to one request at a time is never swallowed.
    engine = open_backend(args.model, args.served_model, progress=_log)
    started = time.perf_counter()
    harness = Harness(prompt, tests, entry) if tests is not None and entry else None
    failures: list[RemoteError] = []
    watched = _watched(engine.stream(prompt, params), params.n, args.format == "table", failures)
    with _sandbox(harness is not None or args.rank in ("cluster", "agreement")) as pool:
        # The sandbox tests each candidate while the model writes the next (core.pipeline).
        done = run_to_end(run_pipeline(watched, pool, harness))
        if failures and not done.candidates:
            raise failures[0]
        scores, extra = _scores(engine, pool, prompt, list(done.candidates), tests, entry, args.rank, args.seed)
    ranked = rank(
        done.candidates, args.rank if args.rank != "agreement" or scores else "mean_logprob", args.seed, scores
    )
    rows = [
        {**_row(task_id, rank, c, done.verdicts.get(c.index)), **extra.get(c.index, {})}
        for rank, c in enumerate(ranked, start=1)
    ]
    if args.format == "table":
        _print_table(rows, engine.info.describe(), time.perf_counter() - started)
    out = args.out.open("w", encoding="utf-8") if args.out else (None if args.format == "table" else sys.stdout)
    if out is not None:
        for row in rows:
            out.write(json.dumps(row) + "\n")
        if args.out:
            out.close()
    if failures:
        _log(f"codesynth: error: only {len(done.candidates)} of {params.n} candidates were generated: {failures[0]}")
        return 1
    return 0


def _watched(
    stream: Iterator[TokenDelta | CandidateDone], n: int, draw: bool, failures: list[RemoteError]
) -> Iterator[TokenDelta | CandidateDone]:
    """`stream`, drawing the progress bar (for the table format) and ending at a server's failure
    mid-run, which goes into `failures`: the candidates finished before it are still tested and written."""
    from core.remote.http import RemoteError
    from core.sampling.candidate import CandidateDone

    started, finished, deltas, shown = time.perf_counter(), 0, 0, 0.0
    try:
        for event in stream:
            if isinstance(event, CandidateDone):
                finished += 1
            else:
                deltas += 1
            now = time.perf_counter()
            # Redraw at most ten times a second, and always when a candidate finishes.
            if draw and (isinstance(event, CandidateDone) or now - shown > 0.1):
                shown = now
                _progress_bar(finished, n, deltas, now - started)
            yield event
    except RemoteError as exc:  # a server failing mid-run; anything else is not the user's
        failures.append(exc)


def _sandbox(needed: bool) -> AbstractContextManager[SandboxPool | None]:
    from contextlib import nullcontext

    return sandbox_pool() if needed else nullcontext(None)


def _scores(
    engine: Backend,
    pool: SandboxPool | None,
    prompt: str,
    done: list[Candidate],
    tests: str | None,
    entry_point: str | None,
    ranking: str,
    seed: int,
) -> tuple[dict[int, float], dict[int, JsonObject]]:
    """(scores for a SCORED ranking, extra JSONL fields) by candidate index. A ranking that cannot
    be computed says why on standard error and leaves the mean log-prob order. run() gives a
    SCORED ranking an entry point, and the cluster and agreement rankings a pool."""
    from core.modes.reverse import back_translation_logprob, strip_docstring
    from core.ranking.examine import examine

    scores: dict[int, float] = {}
    extra: dict[int, JsonObject] = {}
    if entry_point is None:
        return scores, extra
    if ranking == "back_translation":
        try:
            strip_docstring(prompt, entry_point)
        except ValueError as exc:
            _log(f"notice: back-translation ranking is unavailable ({exc}); ranked by mean log-prob")
        else:
            scores = {c.index: back_translation_logprob(engine, prompt, c.text, entry_point) for c in done}
            extra = {i: {"back_translation_logprob": v} for i, v in scores.items()}
    if ranking in ("cluster", "agreement") and pool is not None:
        _log("running the candidates on more inputs" + (" and asking the model for tests" * (ranking == "agreement")))
        exam = examine(
            engine,
            pool,
            prompt,
            entry_point,
            [c.text for c in done],
            user_tests=tests,
            seed=seed,
            model_tests=ranking == "agreement",
        )
        sizes, agreement = exam.cluster_sizes(), exam.agreement_scores()
        if ranking == "agreement" and agreement is None:
            _log(
                f"notice: the agreement ranking is unavailable: {exam.tests.unavailable_reason}; "
                "ranked by mean log-prob"
            )
        chosen = sizes if ranking == "cluster" else agreement or []
        scores = {c.index: float(v) for c, v in zip(done, chosen)}
        extra = {
            c.index: {"behaviour_cluster": size, **({"agreement": agreement[i]} if agreement else {})}
            for i, (c, size) in enumerate(zip(done, sizes))
        }
        _log(
            f"{len(exam.inputs)} inputs, {len(exam.tests.tests)} model-written tests "
            f"({exam.tests.dropped} unusable dropped)"
            if ranking == "agreement"
            else f"{len(exam.inputs)} inputs"
        )
    return scores, extra


def _row(task_id: str, rank: int, cand: Candidate, verdict: RunResult | None) -> JsonObject:
    row: JsonObject = {"task_id": task_id, "completion": cand.text, "rank": rank, **cand.to_json()}
    if verdict is not None:
        row.update(
            passed=verdict.passed,
            result=verdict.human_eval_result,
            status=verdict.status,
            tests_passed=verdict.n_passed,
            tests_total=len(verdict.cases),
        )
    return row


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress_bar(finished: int, total: int, tokens: int, elapsed: float) -> None:
    from core.cli.terminal import progress_stream

    err = progress_stream()  # its carriage return redraws the bar; it shows only numbers
    width = 30
    filled = width * finished // total
    err.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {finished}/{total} candidates, "
        f"~{tokens / max(elapsed, 1e-9):.0f} tokens/s, {elapsed:.1f}s "
    )
    if finished == total:
        err.write("\n")
    err.flush()


def _print_table(rows: list[JsonObject], model: str, elapsed: float) -> None:
    print(f"model: {model}   time: {elapsed:.1f}s")
    print(f"{'rank':>4} {'mean lp':>8} {'tokens':>6} {'finish':>9} {'tests':>22}  first line")
    for r in rows:
        tests = (
            ""
            if "passed" not in r
            else (
                f"{r['tests_passed']} of {r['tests_total']} tests passed"
                if r["status"] in ("pass", "fail")
                else r["status"]
            )
        )
        first = next((line.strip() for line in r["completion"].splitlines() if line.strip()), "")
        mean = "-inf" if r["mean_logprob"] is None else f"{r['mean_logprob']:.3f}"
        notes = [note for note in (r["warning"], r["degenerate"] and f"not an attempt: {r['degenerate']}") if note]
        note = f"  [{'; '.join(notes)}]" if notes else ""
        print(f"{r['rank']:>4} {mean:>8} {r['num_tokens']:>6} {r['finish_reason']:>9} {tests:>22}  {first[:60]}{note}")
