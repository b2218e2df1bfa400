"""The CLI prints a UserError as one sentence and lets every other exception keep its traceback:
bad input of each kind, through the real `codesynth` process, and a bug, through main()."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
NO_MODEL = "/no/such/folder"  # every refusal below comes before a model would load


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    good = {"task_id": "Mine/0", "prompt": "def f():\n", "entry_point": "f", "test": "def check(c):\n    pass\n"}
    (folder / "bad_line.jsonl").write_text(json.dumps(good) + '\n{"task_id": "Mine/1", "prompt": \n')
    (folder / "f.py").write_text("def f(x):\n    return x\n")
    (folder / "no_expected.csv").write_text("x,y\n1,2\n")
    (folder / "damaged_run").mkdir()
    (folder / "damaged_run" / "summary.json").write_text("{")
    (folder / "a_file").write_text("")
    (folder / "latin1.py").write_bytes("assert f('\xe9t\xe9') == 1\n".encode("latin-1"))
    (folder / "binary.csv").write_bytes(b"x,expected\n\x00\x8d,1\n")  # a byte no text file holds
    return folder


CASES = [
    (["eval", "--problems", "{d}/bad_line.jsonl", "--out", "{d}/run"], "{d}/bad_line.jsonl:2: malformed JSON"),
    (["eval", "--problems", "{d}", "--out", "{d}/run"], "cannot read {d}: Is a directory"),
    (["eval", "-n", "99999999", "--out", "{d}/run"], "n must be between 1 and 1000, got 99999999"),
    (["eval", "--temperatures", "0.2,inf", "--out", "{d}/run"], "temperature must be >= 0, got inf"),
    (["eval", "--out", "{d}/a_file"], "--out must be a run directory, and {d}/a_file is a file"),
    (["generate", "{d}/f.py", "--temperature", "nan"], "temperature must be >= 0, got nan"),
    (["docstring", "{d}/f.py", "-n", "100000"], "n must be between 1 and 1000, got 100000"),
    (["docstring", "{d}/f.py", "--tests", "{d}/missing.py"], "tests file not found: {d}/missing.py"),
    (["from-examples", "{d}/no_expected.csv"], "the last column, 'y': if it holds the outputs, name it 'expected'"),
    (["from-examples", "{d}/binary.csv"], "examples file {d}/binary.csv is not text: save the table as CSV"),
    (["generate", "{d}/f.py", "--tests", "{d}/latin1.py"], "tests file {d}/latin1.py is not UTF-8 text"),
    (
        ["generate", "{d}/f.py", "--out", "{d}/nowhere/out.jsonl"],
        "cannot write {d}/nowhere/out.jsonl: its folder does not exist",
    ),
    (["report", "{d}/damaged_run"], "{d}/damaged_run/summary.json is damaged"),
    (["model", "info", "--model", NO_MODEL], f"model folder not found: {NO_MODEL}"),
    (["model", "install", "no-such-model"], "'no-such-model' is not in the model catalogue"),
]


@pytest.mark.slow
@pytest.mark.parametrize("argv,message", CASES, ids=[" ".join(a[:2]) + f" #{i}" for i, (a, _) in enumerate(CASES)])
def test_bad_input_is_one_sentence(inputs, argv, message):
    argv = [a.format(d=inputs) for a in argv]
    if argv[0] in ("eval", "generate", "docstring", "from-examples"):
        argv += ["--model", NO_MODEL]
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli.main", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if line.strip()]
    assert line.startswith("codesynth: error: " + message.format(d=inputs)), line
    assert not (inputs / "run").exists()  # nothing was started


def test_a_bug_keeps_its_traceback(inputs, monkeypatch, capsys):
    # A ValueError used to be printed as if it were the user's mistake.
    def broken(*_args, **_kwargs):
        raise ValueError("a bug in the report")

    monkeypatch.setattr("core.evaluation.report.write_report", broken)
    assert main(["report", str(inputs / "damaged_run")]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith("ValueError: a bug in the report")
    assert "codesynth: error:" not in err


def test_a_user_error_in_process_is_exit_status_2(inputs, capsys):
    assert main(["report", str(inputs / "damaged_run")]) == 2
    assert capsys.readouterr().err.startswith(f"codesynth: error: {inputs}/damaged_run/summary.json is damaged")
