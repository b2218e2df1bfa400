"""Instruct-mode samples of saved runs, their completions derived again from the model's own reply
with the current code, for `codesynth check`: how a change in turning replies into completions
moves pass@k on the same samples, without sampling again.

    .venv/bin/python benchmarks/rederive_completions.py RUN_DIR [RUN_DIR ...] --out SAMPLES.jsonl
    .venv/bin/codesynth check SAMPLES.jsonl

Each RUN_DIR is a `codesynth eval` run directory (bench_humaneval.py: its mode folder). A problem's
samples come from the last directory that has it, as `compose_token_budget.py` composes a re-run
at a larger budget. Only the completion changes; every other field is kept.

A re-derived completion must be the saved one, or the saved one followed by imports the current
code adds (core.modes.module_imports): anything else means the conversion changed in a way this script
does not account for, and it refuses to write. The last line is machine-readable:
`samples=S changed=C`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    from core.evaluation.problems import load_problems
    from core.modes.instruct import completion_from_body

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs", type=Path, nargs="+", help="eval run directories; later ones replace earlier ones' problems"
    )
    parser.add_argument("--out", type=Path, required=True, help="the samples, with re-derived completions")
    parser.add_argument("--problems", help="problems JSONL (default: HumanEval)")
    args = parser.parse_args(argv)
    by_task: dict[str, list[dict]] = {}
    for run in args.runs:
        config = json.loads((run / "config.json").read_text())
        if config.get("mode") != "instruct":
            print(f"{run} is not an instruct-mode run: its completions are the model's text as it is")
            return 1
        samples = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
        by_task.update({task: [s for s in samples if s["task_id"] == task] for task in {s["task_id"] for s in samples}})
    problems = load_problems(args.problems)
    changed, unexplained = 0, []
    lines = []
    for task in sorted(by_task, key=lambda t: (len(t), t)):
        for sample in by_task[task]:
            completion = completion_from_body(problems[task]["prompt"], sample["raw_text"])
            added = completion.removeprefix(sample["completion"])
            if not completion.startswith(sample["completion"]) or any(
                not line.startswith("import ") for line in added.splitlines()
            ):
                unexplained.append((task, sample["index"]))
            changed += added != ""
            lines.append(json.dumps({**sample, "completion": completion}))
    if unexplained:
        print(f"{len(unexplained)} samples re-derive to more than added imports, first {unexplained[0]}: not written")
        return 1
    args.out.write_text("\n".join(lines) + "\n")
    print(f"samples={len(lines)} changed={changed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
