"""`codesynth eval` and `codesynth report` from the command line: clear refusals of bad
input (before any model is loaded), and an end-to-end run with the tiny model and the real
sandbox, including a resume after Ctrl-C and after kill -9."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli.main import main
from core.evaluation.run_dir import CONFIG, RESULTS, SAMPLES, SUMMARY, sample_key

ROOT = Path(__file__).resolve().parents[2]
MISSING_MODEL = "/nonexistent/model"  # every refusal below must come before the model is loaded


def run_cli(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse refuses an option's value itself, with exit status 2
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--select", "HumanEval/0,HumanEval/999"], "unknown task id: HumanEval/999"),
        (["-n", "5", "--k", "1,10"], "pass@10 needs at least 10 samples per problem, but n is 5"),
        (["--temperatures", "0.2,warm"], "--temperatures must be a comma-separated list of numbers"),
        (["--temperatures", "-1"], "temperature must be >= 0"),
        (["-n", "0"], "n must be between 1 and 1000"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--timeout", "nan"], "must be above 0 and at most 3600 seconds"),
        (["--workers", "0"], "must be between 1 and 64"),
    ],
)
def test_bad_input_is_a_one_line_error(capsys, tmp_path, argv, message):
    code, _, err = run_cli(capsys, "eval", "--model", MISSING_MODEL, "--out", tmp_path / "run", *argv)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run" / SAMPLES).exists()


def test_problems_file_missing_fields(capsys, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"task_id": "Mine/0", "prompt": "def f():\n", "entry_point": "f"}) + "\n")
    code, _, err = run_cli(capsys, "eval", "--problems", path, "--model", MISSING_MODEL, "--out", tmp_path / "run")
    assert code == 2 and "test" in err and "Traceback" not in err


def test_output_dir_of_another_run_is_refused(capsys, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / CONFIG).write_text(
        json.dumps(
            {
                "problems": "humaneval",
                "problems_sha256": "x",
                "task_ids": ["HumanEval/0"],
                "n": 3,
                "temperatures": [0.2],
                "mode": "auto",
                "model": "default",
                "top_p": 0.95,
                "max_new_tokens": 128,
                "seed": 0,
                "timeout_s": 3.0,
                "back_translation": True,
            }
        )
    )
    code, _, err = run_cli(
        capsys,
        "eval",
        "--limit",
        "1",
        "-n",
        "4",
        "--k",
        "1",
        "--temperatures",
        "0.2",
        "--model",
        MISSING_MODEL,
        "--out",
        run,
    )
    assert code == 2 and "holds a run with a different configuration" in err and "n (3 there, 4 now)" in err


def test_report_of_a_missing_run(capsys, tmp_path):
    code, _, err = run_cli(capsys, "report", tmp_path / "nothing")
    assert code == 2 and "not a run directory" in err


def eval_args(model_dir, out):
    return [
        "eval",
        "--model",
        model_dir,
        "--limit",
        "3",
        "-n",
        "4",
        "--temperatures",
        "0.2,0.8",
        "--k",
        "1,2",
        "--max-new-tokens",
        "24",
        "--timeout",
        "2",
        "--out",
        out,
    ]


@pytest.mark.slow
def test_end_to_end_with_tiny_model_and_real_sandbox(capsys, tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    code, stdout, err = run_cli(capsys, *eval_args(tiny_model_dir, out))
    assert code == 0, err
    summary = json.loads((out / SUMMARY).read_text())
    assert set(summary["pass_at_k"]) == {"0.2", "0.8"}
    assert all(set(v) == {"pass@1", "pass@2"} for v in summary["pass_at_k"].values())
    # A random model writes no usable test: agreement is left out and the summary says why.
    assert all(
        set(c) == {"oracle", "cluster", "back_translation", "mean_logprob", "sum_logprob", "random"}
        and all(len(curve) == 4 for curve in c.values())
        for c in summary["ranking"].values()
    )
    assert all(e["agreement_unavailable"] for e in summary["examine"].values())
    assert all(d["samples"] == 12 and 1 <= d["distinct"] <= 12 for d in summary["distinct_programs"].values())
    assert len(summary["per_problem"]) == 6
    results = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    assert len(results) == 24 and all(r["result"] for r in results)
    assert "pass@1" in stdout and "distinct/samples" in stdout
    code, stdout, _ = run_cli(capsys, "report", out)
    assert code == 0 and (out / "report.html").stat().st_size > 10_000
    assert Path(stdout.strip()) == out / "report.html"


def start_cli(argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli.main", *map(str, argv)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_samples(path: Path, proc, rows: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and path.read_text().count("\n") >= rows:
            return
        time.sleep(0.02)
    raise AssertionError(f"no {rows} samples before the run ended: {proc.communicate()}")


@pytest.mark.slow
def test_interrupt_and_kill_then_resume_loses_and_redoes_nothing(tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    argv = eval_args(tiny_model_dir, out)
    argv[argv.index("--limit") + 1] = "4"

    # Ctrl-C after the first problem's samples: a clean stop that says how to resume.
    proc = start_cli(argv)
    wait_for_samples(out / SAMPLES, proc, 4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "run the same command again to resume" in err

    # kill -9 a little further on: no chance to clean up at all.
    done = (out / SAMPLES).read_text().count("\n")
    proc = start_cli(argv)
    wait_for_samples(out / SAMPLES, proc, done + 4)
    proc.kill()
    proc.wait()
    samples_before, results_before = (out / SAMPLES).read_bytes(), (out / RESULTS).read_bytes()
    assert not (out / SUMMARY).exists()

    assert main([str(a) for a in argv]) == 0
    samples_after, results_after = (out / SAMPLES).read_bytes(), (out / RESULTS).read_bytes()
    # Nothing written before was rewritten, whatever a torn last line left (it is cut, not kept).
    complete_before = samples_before[: samples_before.rfind(b"\n") + 1]
    assert samples_after.startswith(complete_before)
    assert results_after.startswith(results_before[: results_before.rfind(b"\n") + 1])
    samples = [json.loads(line) for line in samples_after.splitlines()]
    results = [json.loads(line) for line in results_after.splitlines()]
    # Every sample exactly once, every verdict exactly once, and only the missing ones generated.
    assert len(samples) == len({sample_key(s) for s in samples}) == 4 * 2 * 4
    assert sorted(map(sample_key, results)) == sorted(map(sample_key, samples))
    summary = json.loads((out / SUMMARY).read_text())
    assert summary["last_invocation"]["generated_samples"] == 32 - complete_before.count(b"\n")


def test_generate_with_a_prefix_and_a_behaviour_ranking(capsys, tmp_path, tiny_model_dir):
    prompt = tmp_path / "p.py"
    prompt.write_text('def inc(x):\n    """Add one.\n\n    >>> inc(1)\n    2\n    """\n')
    code, stdout, err = run_cli(
        capsys,
        "generate",
        prompt,
        "--model",
        tiny_model_dir,
        "-n",
        "3",
        "--max-new-tokens",
        "4",
        "--mode",
        "completion",
        "--prefix",
        "    return",
        "--rank",
        "agreement",
    )
    assert code == 0, err
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert len(rows) == 3 and all(r["completion"].startswith("    return") for r in rows)
    assert all(r["behaviour_cluster"] >= 1 for r in rows)
    # A random model writes no usable test: agreement says why and the order stays by mean log-prob.
    assert "the agreement ranking is unavailable" in err
    assert [r["mean_logprob"] for r in rows] == sorted((r["mean_logprob"] for r in rows), reverse=True)


def test_problems_whose_own_solutions_fail_in_the_sandbox_are_named_before_the_model_loads(capsys, tmp_path):
    """Held-out problems probe: a solution whose value cannot cross the sandbox's process boundary
    (here an instance of a class only the tests define) cannot pass there, and each such problem
    read as the model's failure."""
    prompt = 'def evens(n):\n    """Even numbers below n."""\n'
    problems = [
        {
            "task_id": "p/box",
            "prompt": prompt,
            "entry_point": "evens",
            "canonical_solution": "    return list(range(0, n.size, 2))\n",
            "test": "class Box:\n    size = 5\n\n\ndef check(candidate):\n    assert candidate(Box()) == [0, 2, 4]\n",
        },
        {
            "task_id": "p/list",
            "prompt": prompt,
            "entry_point": "evens",
            "canonical_solution": "    return list(range(0, n, 2))\n",
            "test": "def check(candidate):\n    assert list(candidate(5)) == [0, 2, 4]\n",
        },
    ]
    path = tmp_path / "problems.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in problems))
    code, _, err = run_cli(capsys, "eval", "--problems", path, "--model", MISSING_MODEL, "--out", tmp_path / "run")
    assert code != 0 and "model" in err.splitlines()[-1]  # the missing model still ends the run
    assert (
        "warning: the reference solutions of 1 problem(s) fail in the sandbox, so their pass rates say nothing about"
        " the model: p/box (values of type Box cannot cross: the program defines no such class on this side)"
    ) in err
