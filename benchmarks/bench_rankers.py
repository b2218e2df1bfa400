"""Choosing one candidate without the tests (issue 21): the pass rate of the sample each ranker
picks out of n, on HumanEval, with the default model: agreement with model-written tests (CodeT),
the largest behaviour cluster, mean log-prob (the paper's Figure 7), random, and the oracle.

    .venv/bin/python benchmarks/bench_rankers.py --start 0 --stop 164 --chunk 20

Problems run in chunks, each a normal `codesynth eval` run directory under --out, so an
interrupted benchmark resumes and a partial one still reports the chunks it finished. Prints a
Markdown table and writes rankers.json under --out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANKERS = ("oracle", "agreement", "cluster", "mean_logprob", "back_translation", "random")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--stop", type=int, default=164)
    p.add_argument("--chunk", type=int, default=20)
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--model", default="default")
    p.add_argument("--out", type=Path, default=Path("bench-rankers"))
    p.add_argument(
        "--no-back-translation",
        action="store_true",
        help="leave the back-translation ranker out (one scoring pass per sample; not among the goal's rankers)",
    )
    p.add_argument("--report-only", action="store_true", help="summarize the finished chunks, run nothing")
    return p.parse_args(argv)


def chunk_dirs(args) -> list[tuple[Path, list[str]]]:
    out = []
    for first in range(args.start, args.stop, args.chunk):
        ids = [f"HumanEval/{i}" for i in range(first, min(first + args.chunk, args.stop))]
        out.append((args.out / f"humaneval-{first}-{first + len(ids) - 1}", ids))
    return out


def run_chunk(args, run_dir: Path, ids: list[str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "eval",
            "--model",
            args.model,
            "-n",
            str(args.n),
            "--temperatures",
            str(args.temperature),
            "--select",
            ",".join(ids),
            "--out",
            str(run_dir),
            *(["--no-back-translation"] if args.no_back_translation else []),
        ],
        cwd=ROOT,
        check=True,
    )


def combine(summaries: list[dict]) -> dict:
    """Top-1 of n per ranker, averaged over all problems (chunks weighted by their size), and the
    extra time per problem the rankers cost."""
    total = sum(s["num_problems"] for s in summaries)
    label = next(iter(summaries[0]["ranking"]))
    chosen = {}
    for ranker in RANKERS:
        if all(ranker in s["ranking"][label] for s in summaries):
            chosen[ranker] = sum(s["ranking"][label][ranker][-1] * s["num_problems"] for s in summaries) / total
    exams = [s["examine"][label] for s in summaries if label in s.get("examine", {})]
    per_problem = {
        key: sum(e[key] * e["problems"] for e in exams) / max(1, sum(e["problems"] for e in exams))
        for key in ("tests_seconds_per_problem", "probe_sandbox_seconds_per_problem", "mean_tests", "mean_inputs")
    }
    return {
        "problems": total,
        "temperature": label,
        "chosen_of_n": chosen,
        "problems_with_tests": sum(e["problems_with_tests"] for e in exams),
        "dropped_tests": sum(e["dropped_tests"] for e in exams),
        **per_problem,
        "pass_at_1": sum(s["pass_at_k"][label]["pass@1"] * s["num_problems"] for s in summaries) / total,
        # pass@n: some sample of the n passes (the oracle's pick)
        "pass_at_n": sum(s["pass_at_k"][label][f"pass@{s['config']['n']}"] * s["num_problems"] for s in summaries)
        / total,
        "wall_s": sum(s["last_invocation"]["elapsed_s"] for s in summaries),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    summaries = []
    for run_dir, ids in chunk_dirs(args):
        if not args.report_only:
            run_chunk(args, run_dir, ids)
        if (run_dir / "summary.json").exists():
            summaries.append(json.loads((run_dir / "summary.json").read_text()))
    if not summaries:
        print("no finished chunk to report")
        return 1
    result = combine(summaries)
    (args.out / "rankers.json").write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{result['problems']} problems, n={args.n}, T={result['temperature']}, pass@1 "
        f"{100 * result['pass_at_1']:.1f}%, pass@{args.n} {100 * result['pass_at_n']:.1f}%; "
        f"{result['wall_s'] / 60:.0f} min for the last invocation of each chunk\n"
    )
    print("| ranker | pass rate of the one sample it picks |\n|---|---|")
    for ranker, rate in result["chosen_of_n"].items():
        print(f"| {ranker} | {100 * rate:.1f}% |")
    print(
        f"\nmodel-written tests: {result['problems_with_tests']}/{result['problems']} problems have some, "
        f"{result['mean_tests']:.1f} per problem, {result['dropped_tests']} dropped; "
        f"{result['mean_inputs']:.1f} inputs per problem"
    )
    print(
        f"extra time per problem: {result['tests_seconds_per_problem']:.1f} s writing tests, "
        f"{result['probe_sandbox_seconds_per_problem']:.2f} s of sandbox runs"
    )
    figures = {f"{ranker}_top1": f"{100 * rate:.1f}" for ranker, rate in result["chosen_of_n"].items()}
    if "agreement" in result["chosen_of_n"] and "mean_logprob" in result["chosen_of_n"]:
        gain = result["chosen_of_n"]["agreement"] - result["chosen_of_n"]["mean_logprob"]
        figures["agreement_gain_points"] = f"{100 * gain:+.1f}"
    figures["tests_s_per_problem"] = f"{result['tests_seconds_per_problem']:.1f}"
    figures["probe_s_per_problem"] = f"{result['probe_sandbox_seconds_per_problem']:.2f}"
    print(f"problems={result['problems']} " + " ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
