"""What the CLI shows on a terminal (core.cli.terminal, through core.displayable): text written by
candidates, models and servers can neither drive the terminal (ESC and CSI sequences, carriage
returns, C1 controls) nor reorder what is read (bidi overrides), and JSON on standard output stays
the same JSON. The CLI test runs `codesynth generate` against the scripted server of tests/remote
and the real sandbox."""

from __future__ import annotations

import json
import re
import sys

import pytest

from core.cli.main import main
from core.cli.terminal import neutralised_output, progress_stream
from core.displayable import displayable
from tests.hidden_characters import hidden
from tests.remote.fake_openai import Behaviour, FakeOpenAI

# Erase the line, back to its first column, and paint a fake row over the real one; then the
# one-character CSI (U+009B), a right-to-left override (Trojan Source) and DEL.
HOSTILE = "    return True  # \x1b[2K\x1b[G   1  7 of 7 tests passed\x9b2K\u202eevil\x7f\n"


@pytest.mark.parametrize(
    "text,shown",
    [
        ("\x1b[1A\x1b[2Kpassed", "\\u001b[1A\\u001b[2Kpassed"),
        ("failing\rpassing", "failing\\u000dpassing"),
        ("\x9b31m", "\\u009b31m"),
        ("x = 1 \u202e# comment\u202c", "x = 1 \\u202e# comment\\u202c"),
        ("\u2066isolated\u2069 \u200bzero width", "\\u2066isolated\\u2069 \\u200bzero width"),
        ("nul\x00 bell\x07 del\x7f", "nul\\u0000 bell\\u0007 del\\u007f"),
        ("line\u2028separator", "line\\u2028separator"),
        ("tag \U000e0041", "tag \\udb40\\udc41"),  # a tag character: JSON's surrogate pair
        ("def f(x):\n\treturn 'café 中文 😀' \\ \\u001b", "def f(x):\n\treturn 'café 中文 😀' \\ \\u001b"),
    ],
)
def test_controls_become_visible_escapes_and_the_rest_stays(text, shown):
    assert displayable(text) == shown
    assert not hidden(displayable(text))


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_stays_the_same_json(ensure_ascii):
    value = {"completion": HOSTILE + "\r\u2066\U000e0041 é", "note": 'a "quoted" \\ back'}
    line = json.dumps(value, ensure_ascii=ensure_ascii)
    assert json.loads(displayable(line)) == value
    if ensure_ascii:  # json.dumps escaped every control itself: nothing is escaped twice
        assert displayable(line) == line


def test_the_streams_are_neutralised_but_the_progress_stream(capsys):
    with neutralised_output():
        print("first\x1b[2K\rsecond")
        print("\u202eerror", file=sys.stderr)
        progress_stream().write("\r[###] 3/3")
    out, err = capsys.readouterr()
    assert out == "first\\u001b[2K\\u000dsecond\n"
    assert err == "\\u202eerror\n\r[###] 3/3"


def test_a_hostile_candidate_reaches_stdout_only_as_visible_escapes(capsys, tmp_path):
    """generate's table, its JSONL on standard output and its --out file, for one candidate whose
    first line would paint a passing row over its failing one."""

    def script(body):
        return [(HOSTILE[:24], -0.1), (HOSTILE[24:], -0.1)]

    argv = ["generate", "--task", "HumanEval/0", "-n", "1", "--mode", "completion"]
    out_file = tmp_path / "samples.jsonl"
    with FakeOpenAI(Behaviour(script=script)) as fake:
        argv += ["--model", fake.url]
        assert main([*argv, "--format", "table"]) == 0
        table, _ = capsys.readouterr()
        assert main(argv) == 0
        jsonl, _ = capsys.readouterr()
        assert main([*argv, "--out", str(out_file)]) == 0
    assert not hidden(table) and not hidden(jsonl)
    # The row keeps its real verdict, followed by the attempt, shown for what it is.
    row = re.search(r"(\d) of 7 tests passed  return True  # (.*)", table)
    assert row is not None and row.group(1) != "7"
    assert row.group(2) == "\\u001b[2K\\u001b[G   1  7 of 7 tests passed\\u009b2K\\u202eevil\\u007f"
    assert json.loads(jsonl)["completion"] == HOSTILE
    assert json.loads(out_file.read_text(encoding="utf-8"))["completion"] == HOSTILE  # data keeps its text


def test_a_bugs_traceback_is_escaped_too(capsys, monkeypatch):
    """An exception that is not a user error is a bug: the CLI prints its traceback and exits 1,
    and the traceback goes through the same escapes, since its message may quote a candidate."""
    import argparse

    import core.cli.main as cli_main

    def failing_parser() -> argparse.ArgumentParser:
        def fail(_args: argparse.Namespace) -> int:
            raise RuntimeError(f"cannot parse {HOSTILE}")

        parser = argparse.ArgumentParser(prog="codesynth")
        parser.set_defaults(func=fail)
        return parser

    monkeypatch.setattr(cli_main, "build_parser", failing_parser)
    assert main([]) == 1
    out, err = capsys.readouterr()
    assert "Traceback (most recent call last)" in err and "RuntimeError: cannot parse" in err
    assert not hidden(err) and "\\u202eevil" in err
