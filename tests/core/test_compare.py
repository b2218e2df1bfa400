"""Runs side by side (core.evaluation.compare, core.evaluation.compare_sources, `codesynth compare`): eval directories
written by `codesynth eval` with the tiny model and the real sandbox, or file by file as
core.evaluation.evaluate writes them, and Workbench runs and sweeps of a real sessions file."""

import json
from pathlib import Path

import pytest

from core.cli.main import main
from core.evaluation import compare as cmp
from core.evaluation.compare_sources import NoRunChosen, load_runs
from core.evaluation.evaluate import verdict_row
from core.evaluation.run_dir import CONFIG, RESULTS, SAMPLES, EvalConfig, append_rows, write_json_atomic
from core.sampling.candidate import Candidate
from core.storage.session_store import SessionStore
from core.user_error import UserError
from sandbox.results import FAIL, PASS, RunResult

RIGHT, WRONG, WRONG_SPACED = "    return a + b\n", "    return a - b\n", "    return a - b   \n\n"


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_eval_dir(out: Path, plan: dict) -> None:
    """An eval run directory written as core.evaluation.evaluate writes it. `plan[(t, task)]` lists each
    sample's (completion, mean log-prob, passed)."""
    tasks = tuple(dict.fromkeys(task for _, task in plan))
    temperatures = tuple(dict.fromkeys(t for t, _ in plan))
    config = EvalConfig("problems.jsonl", "x", tasks, 4, temperatures, "completion", "tiny", max_new_tokens=32)
    out.mkdir()
    write_json_atomic(out / CONFIG, config.to_json())
    with open(out / SAMPLES, "a") as samples, open(out / RESULTS, "a") as results:
        for (t, task), rows in plan.items():
            for index, (completion, mean_logprob, passed) in enumerate(rows):
                row = {
                    "task_id": task,
                    "completion": completion,
                    "temperature": t,
                    "mode": "completion",
                    "index": index,
                    "mean_logprob": mean_logprob,
                }
                append_rows(samples, [row])
                verdict = RunResult(
                    status=PASS if passed else FAIL, human_eval_result="passed" if passed else "failed: x"
                )
                append_rows(results, [verdict_row(row, verdict)])


PLAN = {
    (0.2, "T/0"): [(RIGHT, -0.1, True), (RIGHT, -0.2, True), (WRONG, -0.3, False), (WRONG_SPACED, -0.4, False)],
    (0.2, "T/1"): [(WRONG, -0.5, False)] * 4,
    (1.0, "T/0"): [
        (WRONG, -0.9, False),
        (RIGHT + "\n", -1.5, True),
        (WRONG_SPACED, -1.1, False),
        ("    pass\n", -2.0, False),
    ],
    (1.0, "T/1"): [(RIGHT, -0.7, True), (WRONG, -0.6, False), (RIGHT, -0.8, True), (RIGHT, -1.2, True)],
}


@pytest.fixture
def eval_dir(tmp_path):
    write_eval_dir(tmp_path / "run", PLAN)
    return tmp_path / "run"


def test_an_eval_dir_gives_one_run_per_temperature_and_the_table_says_what_differs(eval_dir):
    cold, hot = load_runs(str(eval_dir))
    assert (cold.params["temperature"], hot.params["temperature"]) == (0.2, 1.0)
    assert cold.origin == f"{eval_dir}@0.2" and cold.problems == ("T/0", "T/1") and len(cold.samples) == 8
    comparison = cmp.compare([cold, hot])
    rows = {row[0]: row[1:] for row in cmp.table(comparison)}
    assert rows["temperature"] == ("0.2", "1")
    assert "model" not in rows and ("model", "tiny") in comparison.common  # what both share is not a row
    # pass@1 = mean over problems of c/n: (2/4 + 0/4) / 2 and (1/4 + 3/4) / 2.
    assert rows["pass@1"] == ("25.0%", "50.0%")
    # pass@4 = 1 where any of the 4 passed.
    assert rows["pass@4"] == ("50.0%", "100.0%")
    assert rows["passed / tested"] == ("2 / 8", "4 / 8")
    # Trailing spaces and blank lines do not make another program (core.ranking.order.program_key).
    assert rows["distinct programs (passing)"] == ("3 (1)", "5 (2)")
    assert rows["best of T/0"] == ("#0 (-0.100, passes)", "#0 (-0.900, fails)")
    assert rows["median mean log-prob, failing"] == ("-0.500", "-1.000")
    assert sorted(comparison.stats[0].passing_logprobs) == [-0.2, -0.1]


def test_a_temperature_is_picked_with_at(eval_dir):
    (hot,) = load_runs(f"{eval_dir}@1")
    assert hot.params["temperature"] == 1.0 and {s.passed for s in hot.samples} == {True, False}
    with pytest.raises(UserError, match=r"has no run at T = 0.5; its temperatures are 0.2, 1\."):
        load_runs(f"{eval_dir}@0.5")
    with pytest.raises(UserError, match="is not a temperature"):
        load_runs(f"{eval_dir}@warm")


def test_the_diff_of_two_candidates_and_of_the_same_program(eval_dir):
    comparison = cmp.compare(load_runs(str(eval_dir)))
    a0, b1 = cmp.pick(comparison, "A#0"), cmp.pick(comparison, "b#1")
    assert (a0.completion, b1.completion) == (RIGHT, RIGHT + "\n")
    assert cmp.diff(a0, b1) == ""  # one program, a blank line apart
    text = cmp.diff(cmp.pick(comparison, "A#0"), cmp.pick(comparison, "B#3"), "A#0", "B#3")
    assert text.splitlines()[:2] == ["--- A#0 T/0 #0", "+++ B#3 T/0 #3"]
    assert "-    return a + b" in text and "+    pass" in text
    with pytest.raises(UserError, match="names no candidate"):
        cmp.pick(comparison, "E#0")
    with pytest.raises(UserError, match="Run A has no candidate 9 of T/0"):
        cmp.pick(comparison, "A#9")


def test_a_record_survives_json_and_the_figure_has_a_strip_per_run(eval_dir):
    runs = load_runs(str(eval_dir))
    assert [cmp.RunRecord.from_json(json.loads(json.dumps(r.to_json()))) for r in runs] == runs
    fig = cmp.figure(cmp.compare(runs))
    strips, curves = fig.axes
    assert [t.get_text() for t in strips.get_yticklabels()] == ["A", "B"]
    assert sum(len(c.get_offsets()) for c in strips.collections) == 16  # every candidate is a dot
    assert [line.get_label() for line in curves.lines] == list(cmp.compare(runs).headers)


def test_one_or_five_runs_are_refused(eval_dir):
    (cold, hot) = load_runs(str(eval_dir))
    for runs in ([cold], [cold, hot, cold, hot, cold]):
        with pytest.raises(UserError, match=f"Compare takes 2 to 4 runs; {len(runs)} given."):
            cmp.compare(runs)


def _sessions(path: Path) -> tuple[int, int, int]:
    store = SessionStore(path)
    params = {
        "n": 3,
        "temperature": 0.6,
        "top_p": 0.9,
        "top_k": 0,
        "max_new_tokens": 64,
        "mode": "completion",
        "seed": 1,
        "stop": ["\ndef"],
    }
    prompt = 'def add(a, b):\n    """Sum."""\n'
    workbench = store.create("add", "workbench", prompt, "assert add(1, 2) == 3", params, "SmolLM2")
    for i, (text, lp) in enumerate([(RIGHT, -0.2), (WRONG, -0.1), ("", None)]):
        logprobs = [] if lp is None else [lp, lp]
        store.add_candidate(workbench, Candidate(i, text, text, list(range(len(logprobs))), logprobs, "stop"))
    store.add_result(workbench, 0, True, {"result": "passed"})
    store.add_result(workbench, 1, False, {"result": "failed"})
    sweep = store.create("Sweep of add at T = 0.2, 1.0", "sweep", model="SmolLM2")
    samples = [
        {
            "temperature": t,
            "index": i,
            "completion": RIGHT if i else WRONG,
            "mean_logprob": -t - i,
            "sum_logprob": -1.0,
            "passed": bool(i),
            "result": "",
        }
        for t in (0.2, 1.0)
        for i in range(2)
    ]
    store.put_document(
        sweep,
        "sweep",
        {
            "prompt": prompt,
            "tests": "",
            "temperatures": "0.2, 1.0",
            "n": 2,
            "max_new_tokens": 0,
            "example": "",
            "snapshot": {"temperatures": [0.2, 1.0], "n": 2, "samples": samples},
        },
        version=1,  # as the lab saved it before its documents kept the samples alone
    )
    other = store.create("docs", "docstrings")
    store.close()
    return workbench, sweep, other


def test_runs_of_a_sessions_file_read_only(tmp_path):
    db = tmp_path / "sessions.sqlite"
    workbench, sweep, other = _sessions(db)
    before = db.read_bytes()
    (run,) = load_runs(f"{db}#{workbench}")
    assert run.source == "workbench" and run.model == "SmolLM2" and run.problems == ("add",)
    assert [(s.passed, s.mean_logprob) for s in run.samples] == [(True, -0.2), (False, -0.1), (None, None)]
    assert run.params == {
        "n": 3,
        "temperature": 0.6,
        "top_p": 0.9,
        "top_k": 0,
        "max_new_tokens": 64,
        "mode": "completion",
        "seed": 1,
    }
    cold, hot = load_runs(f"{db}#{sweep}")
    assert hot.origin == f"{db}#{sweep}@1" and hot.params["top_p"] is None and hot.params["n"] == 2
    comparison = cmp.compare([run, cold, hot])
    rows = {row[0]: row[1:] for row in cmp.table(comparison)}
    # The sweep did not save top_p: unknown, not guessed.
    assert rows["top_p"] == ("0.9", "—", "—") and rows["source"] == ("Workbench run", *["Sampling lab sweep"] * 2)
    assert rows["best of add"][0] == "#1 (-0.100, fails)"
    assert rows["pass@1"] == ("50.0%", "50.0%", "50.0%")
    assert db.read_bytes() == before and not Path(f"{db}-journal").exists()
    with pytest.raises(NoRunChosen) as chosen:
        load_runs(str(db))
    assert chosen.value.listing == [
        f"{db}#{sweep}  Sampling lab sweep  Sweep of add at T = 0.2, 1.0",
        f"{db}#{workbench}  Workbench run  add",
    ]
    with pytest.raises(UserError, match=f"Session {other} is a docstrings session"):
        load_runs(f"{db}#{other}")
    with pytest.raises(UserError, match="has no session 99"):
        load_runs(f"{db}#99")
    (tmp_path / "notes.txt").write_text("not a database, and long enough to be read as one " * 20)
    with pytest.raises(UserError, match="is not a CodeSynth sessions file"):
        load_runs(f"{tmp_path / 'notes.txt'}#1")
    assert (tmp_path / "notes.txt").exists()  # never moved aside, as the app does with its own


def test_cli_prints_the_table_writes_the_png_and_a_diff(capsys, eval_dir, tmp_path):
    png = tmp_path / "compare.png"
    code, out, err = run_cli(
        capsys, "compare", f"{eval_dir}@0.2", f"{eval_dir}@1", "--png", png, "--diff", "A#0", "B#3"
    )
    assert code == 0, err
    assert out.splitlines()[0] == "A: run · T=0.2" and "pass@4" in out and "25.0%" in out
    assert "same in every run: source eval run, model tiny" in out
    assert "--- A#0 T/0 #0\n+++ B#3 T/0 #3" in out and "+    pass" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda d: [d / "missing"], "missing: no such eval run directory."),
        (lambda d: [d / "empty", d / "empty"], "holds no eval run (no config.json and samples.jsonl)"),
        (lambda d: [f"{d / 'run'}@0.5", d / "run"], "has no run at T = 0.5; its temperatures are 0.2, 1."),
        (lambda d: [f"{d / 'run'}@0.2"], "Compare takes 2 to 4 runs; 1 given."),
        (lambda d: [d / "run"] * 2 + [f"{d / 'run'}@1"], "Compare takes 2 to 4 runs; 5 given."),
    ],
)
def test_cli_bad_input_is_a_one_line_error(capsys, eval_dir, make, message):
    (eval_dir.parent / "empty").mkdir()
    code, out, err = run_cli(capsys, "compare", *make(eval_dir.parent))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and out == ""


def test_cli_lists_the_runs_of_a_sessions_file(capsys, tmp_path):
    db = tmp_path / "sessions.sqlite"
    workbench, _, _ = _sessions(db)
    code, out, err = run_cli(capsys, "compare", db, f"{db}#{workbench}")
    assert code == 2 and f"{db}#{workbench}  Workbench run  add" in out.splitlines()
    assert (
        err.strip()
        == f"codesynth: error: {db} is a sessions file: name one of its runs as {db}#ID; they are listed above."
    )


@pytest.mark.slow
def test_a_real_eval_run_of_the_tiny_model(capsys, tmp_path, tiny_model_dir):
    out = tmp_path / "tiny"
    code, _, err = run_cli(
        capsys,
        "eval",
        "--model",
        tiny_model_dir,
        "--limit",
        "2",
        "-n",
        "3",
        "--temperatures",
        "0.2,1.0",
        "--k",
        "1",
        "--max-new-tokens",
        "16",
        "--timeout",
        "2",
        "--no-back-translation",
        "--no-examine",
        "--out",
        out,
    )
    assert code == 0, err
    verdicts = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    cold, hot = load_runs(str(out))
    for run in (cold, hot):
        mine = [v for v in verdicts if v["temperature"] == run.params["temperature"]]
        assert len(run.samples) == 6 and [s.passed for s in run.samples] == [
            v["passed"] for v in sorted(mine, key=lambda v: (v["task_id"], v["index"]))
        ]
        assert run.model == str(tiny_model_dir) and run.params["mode"] == "completion"
    code, stdout, err = run_cli(capsys, "compare", out, "--png", tmp_path / "tiny.png")
    assert code == 0, err
    rows = [line.split() for line in stdout.splitlines()]
    assert ["temperature", "0.2", "1"] in rows and (tmp_path / "tiny.png").exists()
