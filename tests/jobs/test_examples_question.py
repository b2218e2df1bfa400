"""The From-examples job's checking stage on the real sandbox, with a scripted model whose
functions are known: one example row that several functions fit gives a question; answering it
(the same candidates re-tested against the longer table) leaves only those that agree; when the
right ones agree everywhere there is no question; Stop during checking ends the job."""

import ast
import threading
import time

import pytest

from core.host.jobs.examples_job import run, spec_of
from core.models.info import ModelInfo
from core.modes.examples import answer_row
from core.sampling.candidate import Candidate, CandidateDone
from core.sampling.params import SamplingParams

HEADER = ["x", "expected"]
DESCRIPTION = "Compute a number from x"
NAME = "compute_number"


class ScriptedModel:
    """Writes the given function bodies, in order; asked for tests, it writes none (after waiting
    for `cancel` when `slow_tests`, like a model still writing when the user presses Stop)."""

    info = ModelInfo(
        name="scripted",
        path="",
        device="cpu",
        dtype="float32",
        n_params=0,
        memory_bytes=0,
        has_chat_template=False,
        architecture="scripted",
    )

    def __init__(self, bodies: list[str], slow_tests: bool = False):
        self.bodies, self.slow_tests = bodies, slow_tests
        self.asked_for_tests = threading.Event()

    def resolve_mode(self, mode):
        return "completion"  # no chat template: never asked for corrections

    def stream(self, prompt, params, cancel=None):
        for i, body in enumerate(self.bodies):
            yield CandidateDone(
                Candidate(
                    index=i,
                    text=body,
                    raw_text=body,
                    token_ids=[1],
                    token_logprobs=[-0.1 * (i + 1)],
                    finish_reason="stop",
                )
            )

    def generate(self, prompt, params, cancel=None):
        self.asked_for_tests.set()
        if self.slow_tests and cancel is not None:
            cancel.wait(60)
        return []


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def job(model, pool, rows, cancel=None, reuse=None):
    spec = spec_of(HEADER, rows, DESCRIPTION, NAME)
    return run(
        model,
        lambda: pool,
        cancel or threading.Event(),
        prompt=spec.prompt,
        tests=spec.tests,
        entry_point=NAME,
        header=HEADER,
        rows=rows,
        description=DESCRIPTION,
        params=SamplingParams(n=len(model.bodies)),
        reuse=reuse,
    )


FUNCTIONS = {
    "    return x * 2\n": lambda x: x * 2,
    "    return x ** 2\n": lambda x: x**2,
    "    return x + 2\n": lambda x: x + 2,
}


def test_a_question_and_its_answer_leave_only_the_candidates_that_agree(pool):
    model = ScriptedModel(list(FUNCTIONS))
    rows = [["2", "4"]]
    snapshots = list(job(model, pool, rows))
    states = [s.state for s in snapshots]
    assert states[-2:] == ["checking", "done"] and "testing" in states
    last = snapshots[-1]
    assert all(c.all_right for c in last.candidates)
    question = last.question
    assert question is not None and last.inputs >= 2
    (x,) = ast.literal_eval(f"({question.args},)")
    expected = {str(f(x)) for f in FUNCTIONS.values()}
    assert len(expected) == 3 and {a.text for a in question.answers} == expected
    assert [a.count for a in question.answers] == [1, 1, 1]
    assert question.sentence.startswith(f"For {NAME}({question.args}), should the answer be ")
    assert not model.asked_for_tests.is_set()  # the examples' neighbours were enough
    assert [c.cluster for c in last.candidates] == [1, 1, 1]

    # The user says the function doubles: that value becomes a row, and the same three are re-tested.
    chosen = str(2 * x)
    answer = next(a for a in question.answers if a.text == chosen)
    rows = rows + [answer_row(question.args, chosen)]
    again = list(job(model, pool, rows, reuse=last.candidates))
    assert again[0].state == "testing"  # nothing generated
    final = again[-1]
    assert final.state == "done" and final.examples == 2
    assert sorted(c.completion for c in final.candidates) == sorted(FUNCTIONS)
    right = [c.index for c in final.candidates if c.all_right]
    assert tuple(right) == answer.candidates and final.candidates[0].completion == "    return x * 2\n"
    assert final.question is None  # one candidate left standing: nothing to ask


def test_no_question_when_the_right_candidates_agree_everywhere(pool):
    model = ScriptedModel(["    return x * 2\n", "    return x + x\n", "    return 2 * x\n", "    return 0\n"])
    last = list(job(model, pool, [["2", "4"], ["5", "10"]]))[-1]
    assert last.state == "done" and last.question is None and last.inputs >= 2
    assert model.asked_for_tests.is_set()  # no disagreement nearby: the model was asked for inputs
    clusters = {c.completion: c.cluster for c in last.candidates}
    assert clusters == {"    return x * 2\n": 3, "    return x + x\n": 3, "    return 2 * x\n": 3, "    return 0\n": 1}


def test_stop_during_checking_ends_the_job(pool):
    model = ScriptedModel(["    return x * 2\n", "    return x + x\n"], slow_tests=True)
    cancel = threading.Event()
    snapshots = job(model, pool, [["2", "4"]], cancel)
    assert next(s for s in snapshots if s.state == "checking")
    # The user presses Stop while the model writes tests (the slow part of checking).
    threading.Thread(target=lambda: model.asked_for_tests.wait(30) and cancel.set(), daemon=True).start()
    began = time.monotonic()
    rest = list(snapshots)
    assert model.asked_for_tests.is_set() and time.monotonic() - began < 20
    last = rest[-1]
    assert last.state == "stopped" and last.question is None and last.inputs is None
    # The verdicts were in before the Stop and stay.
    assert [c.explanation for c in last.candidates] == ["1 of 1 examples right"] * 2


def test_one_row_on_which_every_candidate_agrees_is_put_to_the_user(pool):
    """One example fits many functions: when the candidates right on it agree everywhere tried,
    the job still asks, to confirm their answer on a telling input; the answer becomes a row."""
    model = ScriptedModel(["    return x * 2\n", "    return x + x\n", "    return 2 * x\n"])
    rows = [["2", "4"]]
    last = list(job(model, pool, rows))[-1]
    question = last.question
    assert question is not None and len(question.answers) == 1
    (x,) = ast.literal_eval(f"({question.args},)")
    assert x not in (0, 1, -1, 2) and question.answers[0].text == str(2 * x) and question.answers[0].count == 3
    assert "One example fits many functions" in question.sentence
    again = list(job(model, pool, rows + [answer_row(question.args, str(2 * x))], reuse=last.candidates))[-1]
    assert again.examples == 2 and all(c.all_right for c in again.candidates) and again.question is None


class CountingPool:
    """The real pool, counting the runs each completion gets."""

    def __init__(self, pool):
        self.pool, self.runs = pool, {}

    def submit(self, program, *args, **kwargs):
        self.runs[program.completion] = self.runs.get(program.completion, 0) + 1
        return self.pool.submit(program, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.pool, name)


def test_a_candidate_with_no_answer_for_any_example_is_not_examined_and_nothing_is_run_twice(pool):
    """Red-team round 8: the examination ran every candidate, a hanging one included (5 s an input,
    twice when the model's tests, here none, added nothing to try)."""
    hangs = "    while True:\n        pass\n"
    model = ScriptedModel(["    return x * 2\n", "    return x + x\n", hangs, "    return 0\n"])
    counting = CountingPool(pool)
    snapshots = job(model, counting, [["2", "4"], ["5", "10"]])
    last = list(snapshots)[-1]
    assert last.state == "done" and model.asked_for_tests.is_set()
    assert counting.runs[hangs] == 1  # its test run only
    assert {body: counting.runs[body] for body in model.bodies if body != hangs} == dict.fromkeys(
        ["    return x * 2\n", "    return x + x\n", "    return 0\n"], 2
    )  # its test run and one examination
    assert {c.completion: c.cluster for c in last.candidates}[hangs] == 1


def test_the_numbers_text_answers_write_are_tried_as_inputs(pool):
    """Probe 5: two candidates right on an age-band table put 34 in the next band, and the app said
    they agreed: the bands' own bounds ('25-34') were never tried."""
    bands = "    if x < 18:\n        return 'Under 18'\n    if x < 25:\n        return '18-24'\n"
    meant = bands + "    if x < 35:\n        return '25-34'\n    return '35+'\n"
    early = bands + "    if x < 34:\n        return '25-34'\n    return '35+'\n"
    model = ScriptedModel([meant, early])
    rows = [["16", "Under 18"], ["20", "18-24"], ["30", "25-34"], ["40", "35+"]]
    question = list(job(model, pool, rows))[-1].question
    assert question is not None and question.args == "34"
    assert {a.text for a in question.answers} == {"'25-34'", "'35+'"}
