"""core.storage.demo_script: a script saved and read back is the same steps; a file that is not a script
gives one sentence; a bad step is named and left out while every other step is kept."""

import json

import pytest

from core.sampling.params import SamplingParams
from core.storage import demo_script as ds

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
STEPS = (
    ds.SetProblem(PROMPT, "def check(candidate):\n    assert candidate(1, 2) == 3\n"),
    ds.SetParams(4, 0.8, 0.95, 0, 16, 7, ("\ndef", "\nclass"), "completion"),
    ds.Generate(),
    ds.SelectCandidate(2),
    ds.ShowToken(2, 3),
    ds.SetTemperature(1.4),
    ds.Branch(2, 3, " return"),
    ds.PinRun(0),
    ds.ShowTab("compare"),
)


def _document(steps: list) -> str:
    return json.dumps({"format": ds.FORMAT, "version": ds.VERSION, "steps": steps})


def test_saved_script_reads_back_as_the_same_steps(tmp_path):
    path = tmp_path / "talk.json"
    ds.save(path, STEPS)
    script = ds.load(path)
    assert script.steps == STEPS and script.problems == ()
    assert json.loads(path.read_text())["steps"][6] == {
        "step": "branch",
        "candidate": 2,
        "position": 3,
        "alternative": " return",
    }
    # Every step says what it does, for the presenter's step line.
    assert [s.describe() for s in script.steps][:3] == [
        "Set the problem: add, with its tests",
        "Set the parameters: n = 4, T = 0.8, top-p 0.95, top-k off, seed 7",
        "Generate the candidates and test them",
    ]


@pytest.mark.parametrize(
    "text, start",
    [
        ("{not json", "This is not a demo script: it is not valid JSON (line 1"),
        ("[]", 'This is not a demo script: its "format"'),
        (json.dumps({"format": "something-else", "version": 1, "steps": []}), "This is not a demo script"),
        (json.dumps({"format": ds.FORMAT, "version": 99, "steps": []}), "This demo script has version 99;"),
        (json.dumps({"format": ds.FORMAT, "version": 1, "steps": {}}), "This demo script has no list"),
    ],
)
def test_a_file_that_is_no_script_gives_one_sentence(text, start):
    with pytest.raises(ds.DemoScriptError) as caught:
        ds.parse(text)
    message = str(caught.value)
    assert message.startswith(start) and message.endswith(".") and "\n" not in message


def test_an_unreadable_file_gives_one_sentence(tmp_path):
    with pytest.raises(ds.DemoScriptError, match=r"^Could not read the demo script .*missing\.json"):
        ds.load(tmp_path / "missing.json")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ds.DemoScriptError, match="^Could not read"):
        ds.load(tmp_path / "binary.json")


def test_each_bad_step_is_named_and_left_out_and_the_others_kept():
    good = [
        {"step": s.kind, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(s).items()}} for s in STEPS
    ]
    bad = [
        "generate",  # 1
        {"step": "dance"},  # 2
        {"step": "branch", "candidate": 0, "position": 1},  # 3: no alternative
        {"step": "select_candidate", "candidate": "two"},  # 4
        {"step": "select_candidate", "candidate": True},  # 5: a bool is not a number here
        {"step": "set_temperature", "temperature": 9},  # 6
        {"step": "show_tab", "tab": "settings"},  # 7
        {"step": "set_params", **good[1], "seed": None},  # 8: a random seed cannot replay
        {"step": "set_params", **{**good[1], "top_p": 0}},  # 9: the sampler refuses it
        {"step": "generate", "colour": "red"},  # 10
        {"step": "pin_run", "run": 0},  # 11: no run before it
        {"step": "show_token", "candidate": 0, "position": -1},  # 12
    ]
    script = ds.parse(_document(bad + good))
    assert script.steps == STEPS
    assert len(script.problems) == len(bad)
    for number, problem in enumerate(script.problems, start=1):
        assert problem.startswith(f"Step {number} was left out: ") and problem.endswith(".")
    assert "'dance' is not one of" in script.problems[1]
    assert "lacks its alternative" in script.problems[2]
    assert "candidate is not a whole number" in script.problems[3] and "not a whole number" in script.problems[4]
    assert "outside 0 to 2" in script.problems[5]
    assert "'settings' is not one of" in script.problems[6]
    assert "seed is not a whole number" in script.problems[7]
    assert "top_p" in script.problems[8]
    assert "unknown fields (colour)" in script.problems[9]
    assert "only 0 run(s) come before it" in script.problems[10]
    assert "position is negative" in script.problems[11]


def test_params_step_keeps_every_parameter_and_refuses_a_random_seed():
    params = SamplingParams(
        n=3, temperature=0.2, top_p=0.9, top_k=40, max_new_tokens=20, seed=11, stop=("\ndef",), mode="completion"
    )
    step = ds.params_step(params)
    assert step.sampling_params() == params
    with pytest.raises(ValueError, match="random seed"):
        ds.params_step(SamplingParams(seed=None))


def test_a_run_of_one_kind_of_view_step_keeps_only_where_it_stopped():
    steps: tuple = ()
    for t in (0.5, 0.9, 1.3):
        steps = ds.appended(steps, ds.SetTemperature(t))
    steps = ds.appended(steps, ds.Generate())
    steps = ds.appended(steps, ds.Generate())
    for position in (1, 2, 3):
        steps = ds.appended(steps, ds.ShowToken(0, position))
    assert steps == (ds.SetTemperature(1.3), ds.Generate(), ds.Generate(), ds.ShowToken(0, 3))
    # The parameters of a run set its temperature: a slide just before them is no step of its own.
    params = ds.SetParams(4, 0.8, 0.95, 0, 16, 7, ("\ndef",), "completion")
    steps = ds.appended(ds.appended(steps, ds.SetTemperature(0.8)), params)
    assert steps[-2:] == (ds.ShowToken(0, 3), params)
