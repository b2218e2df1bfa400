"""pass@k on all problems at a larger token budget, from a full run at the smaller one and a re-run
of only the problems that had a sample cut by it.

A sample's tokens depend only on the seed, its row and the model's logits; the token limit only
decides where it stops. So a problem none of whose samples reached the smaller limit gives the
same samples at the larger one, and only the problems with a cut sample need sampling again. This
is checked, not assumed: every re-run sample that ended before the smaller limit in the full run
must come out token for token the same, or the script refuses to compose.

    .venv/bin/python benchmarks/compose_token_budget.py FULL_RUN_DIR RERUN_DIR

Both are `codesynth eval` run directories (config.json, samples.jsonl, results.jsonl; for
bench_humaneval.py, its mode folder) with the same seed,
n, temperature and mode. The last line is machine-readable:
`problems=P rerun=R identical=I differing=D pass@1_before=.. pass@1_after=.. pass@10_before=..
pass@10_after=.. cut_before=.. cut_after=..`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rows(path: Path) -> dict[tuple[str, int], dict]:
    return {(r["task_id"], int(r["index"])): r for r in map(json.loads, path.read_text().splitlines())}


def main(argv: list[str] | None = None) -> int:
    from core.evaluation.passk import pass_at_k

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("full", type=Path, help="the run of every problem at the smaller budget")
    parser.add_argument("rerun", type=Path, help="the re-run, at the larger budget, of the problems with a cut sample")
    args = parser.parse_args(argv)
    full_config, rerun_config = (json.loads((d / "config.json").read_text()) for d in (args.full, args.rerun))
    sampling = ("problems", "n", "temperatures", "mode", "model", "top_p", "seed", "timeout_s")
    if any(full_config[key] != rerun_config[key] for key in sampling):
        print(f"the two runs differ in more than their token budget: compare {', '.join(sampling)}")
        return 1
    limit, larger = full_config["max_new_tokens"], rerun_config["max_new_tokens"]
    full_samples, full_results = rows(args.full / "samples.jsonl"), rows(args.full / "results.jsonl")
    new_samples, new_results = rows(args.rerun / "samples.jsonl"), rows(args.rerun / "results.jsonl")
    rerun = {task for task, _ in new_samples}
    uncut = [key for key in new_samples if full_samples[key]["num_tokens"] < limit]
    differing = [key for key in uncut if full_samples[key]["token_ids"] != new_samples[key]["token_ids"]]
    if differing:
        print(f"{len(differing)} samples that ended before {limit} tokens differ in the re-run: cannot compose")
        return 1
    tasks = sorted({task for task, _ in full_samples}, key=lambda t: (len(t), t))

    def counts(task: str, results: dict) -> tuple[int, int]:
        keys = [k for k in results if k[0] == task]
        return len(keys), sum(bool(results[k]["passed"]) for k in keys)

    before = [counts(t, full_results) for t in tasks]
    after = [counts(t, new_results if t in rerun else full_results) for t in tasks]
    cut_before = sum(r["num_tokens"] >= limit for r in full_samples.values())
    cut_after = sum(r["num_tokens"] >= larger for r in new_samples.values())

    def mean_pass(counted: list[tuple[int, int]], k: int) -> float:
        return 100 * statistics.fmean(pass_at_k(n, c, k) for n, c in counted)

    print(f"{len(tasks)} problems, {len(rerun)} re-run at {larger} new tokens (the others as at {limit})")
    print(f"re-run samples that ended before {limit} tokens: {len(uncut)}, all identical")
    print(f"pass@1 {mean_pass(before, 1):.2f} -> {mean_pass(after, 1):.2f}")
    print(
        f"problems={len(tasks)} rerun={len(rerun)} identical={len(uncut)} differing=0 "
        f"pass@1_before={mean_pass(before, 1):.2f} pass@1_after={mean_pass(after, 1):.2f} "
        f"pass@10_before={mean_pass(before, 10):.2f} pass@10_after={mean_pass(after, 10):.2f} "
        f"cut_before={cut_before} cut_after={cut_after}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
