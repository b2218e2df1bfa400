"""core.modes.revision: when no candidate gets every example right, the model is shown its best attempt
and the examples it got wrong, and writes as many again. On the real sandbox, with a model that
records what it was asked (so the request can be checked) and with the tiny chat model."""

import re
import threading

import pytest

from core.models.info import ModelInfo
from core.modes.examples import NONE_RIGHT, best_first, build_spec
from core.modes.instruct import chat_messages
from core.modes.revision import (
    CORRECTION_ROUNDS,
    Revising,
    RevisionFailed,
    examples_pipeline,
    feedback,
    revision_params,
)
from core.pipeline import CandidateArrived, Done, Harness, VerdictArrived, run_to_end
from core.remote.http import ServerFailed
from core.sampling.candidate import Candidate, CandidateDone
from core.sampling.params import InvalidParams, SamplingParams

HEADER = ["celsius", "expected"]
ROWS = [["0", "32.0"], ["100", "212.0"], ["-40", "-40.0"]]
SPEC = build_spec(HEADER, ROWS, "Convert a temperature in Celsius to Fahrenheit")
RIGHT = "    return celsius * 9 / 5 + 32\n"


class RecordingModel:
    """Writes the given bodies, round after round, as rows numbered from params' first wanted
    row; records each request's params. `chat`: whether it resolves "auto" to instruct."""

    def __init__(self, rounds: list[list[str]], chat: bool = True):
        self.rounds, self.requests = list(rounds), []
        self.info = ModelInfo("recording", "", "cpu", "float32", 0, 0, has_chat_template=chat, architecture="x")

    def resolve_mode(self, mode):
        if mode == "instruct" and not self.info.has_chat_template:
            raise InvalidParams("no chat template")
        return mode if mode != "auto" else ("instruct" if self.info.has_chat_template else "completion")

    def stream(self, prompt, params, cancel=None):
        """A round given as (bodies, error) writes the bodies, then raises the error."""
        self.requests.append(params.validated())
        bodies, error = self.rounds.pop(0) if isinstance(self.rounds[0], tuple) else (self.rounds.pop(0), None)
        for row, body in zip(params.wanted_rows, bodies):
            yield CandidateDone(Candidate(row, body, body, [1], [-0.1 * (row + 1)], "stop"))
        if error is not None:
            raise error


@pytest.fixture(scope="module")
def pool():
    from sandbox import SandboxPool

    with SandboxPool(workers=1) as sandbox:
        yield sandbox


def harness():
    return Harness(SPEC.prompt, SPEC.tests, SPEC.name)


def test_feedback_shows_the_whole_attempt_and_each_wrong_example_within_bounds():
    wrong = [f"for {i} it returned {i}, expected {i + 1}" for i in range(7)] + ["for 9 it returned " + "x" * 5000]
    text = feedback(wrong)
    assert "```" not in text  # the attempt's code is not shown: the default model copied it
    assert "- for 0 it returned 0, expected 1\n" in text and "- for 4 it returned 4, expected 5\n" in text
    assert "for 5 it returned" not in text and "- and 3 more examples" in text
    assert len(text) < 1000


def test_the_second_round_follows_the_first_rounds_rows_in_instruct_mode():
    params = SamplingParams(n=10, temperature=0.8, seed=4, mode="auto")
    revised = revision_params(params, ["for 0 it returned None, expected 32.0"], 10, 10)
    assert (revised.n, revised.rows, revised.mode, revised.seed) == (20, tuple(range(10, 20)), "instruct", 4)
    third = revision_params(params, ["for 0 it returned None, expected 32.0"], 20, 10)
    assert (third.n, third.rows) == (30, tuple(range(20, 30)))
    assert "for 0 it returned None, expected 32.0" in revised.feedback
    with pytest.raises(InvalidParams, match="instruct mode"):
        SamplingParams(feedback="it is wrong", mode="completion").validated()


def test_the_feedback_follows_the_request_in_the_users_message():
    plain, told = chat_messages(SPEC.prompt), chat_messages(SPEC.prompt, "It returned 0.")
    assert told[0] == plain[0] and told[1]["content"] == plain[1]["content"] + "\n\nIt returned 0."


def test_no_candidate_right_asks_for_corrections_of_the_best_and_they_are_tested(pool):
    # The first round: a function right on one example (0 of 3 for the other), then one right on none.
    model = RecordingModel([["    return celsius + 32\n", "    return 0\n"], [RIGHT, "    return celsius\n"]])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    revising = [e for e in events if isinstance(e, Revising)]
    assert revising == [
        Revising(0, ("for 100 it returned 132, expected 212.0", "for -40 it returned -8, expected -40.0"), 2)
    ]
    first, second = model.requests
    assert first.feedback == "" and second.rows == (2, 3) and second.mode == "instruct"
    assert "for 100 it returned 132, expected 212.0" in second.feedback
    # The corrections arrive after the Revising and are tested like the first round's.
    at = events.index(revising[0])
    assert {e.candidate.index for e in events[at:] if isinstance(e, CandidateArrived)} == {2, 3}
    done = events[-1]
    assert isinstance(done, Done) and [c.index for c in done.candidates] == [0, 1, 2, 3]
    assert [done.verdicts[i].passed for i in range(4)] == [False, False, True, False]
    assert sum(isinstance(e, Done) for e in events) == 1


def test_corrections_go_on_while_none_is_right_each_told_the_best_so_far(pool):
    closer = "    return celsius * 9 / 5 + 32 if celsius >= 0 else 0\n"  # right but for -40
    rounds = [["    return 0\n", "    return 32\n"], ["    return 1\n", closer], ["    return 2\n", "    return 3\n"]]
    model = RecordingModel([*rounds, [RIGHT, "    return 4\n"]])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto", seed=7)))
    # Three rounds of corrections (the most there are), each of n rows after the earlier ones', with
    # the run's seed. (That a right correction ends them early:
    # test_no_candidate_right_asks_for_corrections_of_the_best_and_they_are_tested, with two requests.)
    assert [r.rows for r in model.requests] == [(), (2, 3), (4, 5), (6, 7)]
    assert {r.seed for r in model.requests} == {7}
    # Each round is told what the best so far got wrong: `return 32` (1 of 3 right) until `closer`
    # (2 of 3) came in the first round of corrections.
    revising = [e for e in events if isinstance(e, Revising)]
    assert [r.attempt for r in revising] == [1, 3, 3]
    assert revising[1].wrong == ("for -40 it returned 0, expected -40.0",)
    assert "for -40 it returned 0, expected -40.0" in model.requests[2].feedback
    done = events[-1]
    assert isinstance(done, Done) and [c.index for c in done.candidates] == list(range(8))
    assert [i for i in range(8) if done.verdicts[i].passed] == [6]
    assert sum(isinstance(e, Done) for e in events) == 1


def test_corrections_stop_after_the_last_round(pool, monkeypatch):
    import core.modes.revision as revision

    monkeypatch.setattr(revision, "CORRECTION_ROUNDS", 2)
    model = RecordingModel([["    return 0\n"]] * 3)
    done = run_to_end(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=1, mode="auto")))
    assert [r.rows for r in model.requests] == [(), (1,), (2,)]
    assert len(done.candidates) == 3 and not any(v.passed for v in done.verdicts.values())


def test_a_right_candidate_needs_no_second_round(pool):
    model = RecordingModel([[RIGHT, "    return 0\n"]])
    done = run_to_end(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    assert len(model.requests) == 1 and len(done.candidates) == 2


def test_a_completion_model_is_not_asked_for_corrections(pool):
    model = RecordingModel([["    return 0\n"]], chat=False)
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=1, mode="auto")))
    assert not any(isinstance(e, Revising) for e in events) and len(model.requests) == 1
    assert sum(isinstance(e, VerdictArrived) for e in events) == 1


def test_stop_during_the_first_round_asks_for_nothing_more(pool):
    cancel = threading.Event()
    model = RecordingModel([["    return 0\n", "    return 1\n"]])
    events = examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto"), cancel)
    next(events)
    cancel.set()
    rest = list(events)
    assert not any(isinstance(e, Revising) for e in rest) and len(model.requests) == 1
    assert isinstance(rest[-1], Done) and rest[-1].cancelled


def test_the_tiny_chat_model_is_told_and_its_corrections_are_numbered_after_the_first(tiny_chat_model_dir, pool):
    from core.host.jobs.examples_job import run
    from core.sampling.engine import Engine

    engine = Engine.load(str(tiny_chat_model_dir), progress=lambda _m: None)
    params = SamplingParams(n=3, max_new_tokens=12, seed=2, mode="auto")
    snapshots = list(
        run(
            engine,
            lambda: pool,
            threading.Event(),
            SPEC.prompt,
            SPEC.tests,
            SPEC.name,
            HEADER,
            ROWS,
            SPEC.description,
            params,
        )
    )
    # A random model gets nothing right, so it is shown its best attempt and writes three more,
    # round after round.
    assert "revising" in [s.state for s in snapshots]
    last = snapshots[-1]
    total = 3 * (1 + CORRECTION_ROUNDS)
    assert last.state == "done" and last.n == total
    assert sorted(c.index for c in last.candidates) == list(range(total))
    first_round = [c for c in last.candidates if c.index < 3]
    assert all(c.revises is None for c in first_round)
    # The attempt shown is the first round's best by examples right, then mean log-prob.
    best = best_first(
        [list(c.verdicts) for c in first_round],
        [c.mean_logprob for c in first_round],
        [c.degenerate for c in first_round],
    )[0]
    assert {c.revises for c in last.candidates if 3 <= c.index < 6} == {first_round[best].index}
    assert all(c.verdicts is not None and len(c.verdicts) == 3 for c in last.candidates)


def test_cli_from_examples_says_when_the_model_corrects_its_best_attempt(tmp_path, tiny_chat_model_dir, capsys):
    from core.cli.main import main

    table = tmp_path / "fahrenheit.csv"
    table.write_text("celsius,expected\n0,32.0\n100,212.0\n")
    options = "-n 2 --max-new-tokens 8 --no-questions --description Fahrenheit".split()
    code = main(["from-examples", str(table), "--model", str(tiny_chat_model_dir), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert re.search(r"No candidate gets every example right\. The model is told what the best, #[01], got wrong", out)
    total = 2 * (1 + CORRECTION_ROUNDS)  # a random model gets nothing right in any round
    assert out.count("The model is told what the best") == CORRECTION_ROUNDS
    # Then what the user can do; a model in a folder has no larger catalogue model to offer.
    assert out.rstrip().endswith(NONE_RIGHT)
    listed = out.split("All candidates:\n")[1].splitlines()[:total]
    assert sorted(int(line.split()[0].lstrip("#")) for line in listed) == list(range(total))


def test_cli_from_examples_offers_the_next_larger_catalogue_model_when_none_is_right(tmp_path, small_model_dir, capsys):
    from core.cli.main import main
    from core.models import catalogue
    from core.models import store as model_store

    table = tmp_path / "mixed.csv"
    table.write_text("word,expected\nabc,cba-ABC-3\nxy,yx-XY-2\n")  # beyond 6 new tokens of any model
    options = "-n 1 --max-new-tokens 6 --no-questions".split()
    code = main(["from-examples", str(table), "--model", catalogue.SMALL, *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    larger = catalogue.entry(catalogue.DEFAULT)  # SmolLM2-135M's next larger
    installed = model_store.is_installed(model_store.model_dir(larger.name))
    offer = f"{catalogue.offer(larger, installed)} Run again with --model {larger.name}."
    assert out.rstrip().endswith(f"{NONE_RIGHT}\n{offer}")


def test_a_second_round_that_fails_keeps_the_first_and_what_came(pool):
    error = ServerFailed("the server answered 500 Internal Server Error")
    model = RecordingModel([["    return 0\n", "    return 1\n"], ([RIGHT], error)])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    failed = [e for e in events if isinstance(e, RevisionFailed)]
    assert failed == [RevisionFailed("the server answered 500 Internal Server Error")]
    done = events[-1]
    assert isinstance(done, Done) and [c.index for c in done.candidates] == [0, 1, 2]
    assert done.verdicts[2].passed and not done.verdicts[0].passed


def test_stop_while_the_correction_is_announced_asks_for_nothing_more(pool):
    cancel = threading.Event()
    model = RecordingModel([["    return 0\n"], [RIGHT]])
    events = examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=1, mode="auto"), cancel)
    assert any(isinstance(e, Revising) for e in events)  # consumed up to the Revising
    cancel.set()
    rest = list(events)
    assert len(model.requests) == 1 and len(rest) == 1 and rest[0].cancelled
    assert [c.index for c in rest[0].candidates] == [0]


def test_no_room_for_corrections_beyond_the_most_samples_a_run_may_ask(pool):
    model = RecordingModel([["    return 0\n"] * 1000])
    done = run_to_end(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=1000, mode="auto")))
    assert len(model.requests) == 1 and len(done.candidates) == 1000


def test_the_examples_pipeline_leaves_torch_unimported():
    """The CLI's `examples --server` and the engine host's job import this module: on a server the
    model runs elsewhere, and importing torch would cost seconds for nothing."""
    import subprocess
    import sys

    probe = "import sys, core.modes.revision, core.host.jobs, core.host.runs; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_right_candidates_that_only_repeat_the_examples_get_one_round_told_what_they_give_elsewhere(pool):
    """Both candidates of the first round look each example up and raise for any other input: they
    are right on every example, and no function. One round of corrections is told what the likelier
    one gives beyond the examples (the examination's inputs, in the real sandbox), and no more."""
    lookup = (
        "    table = {0: 32.0, 100: 212.0, -40: -40.0}\n"
        "    if celsius in table:\n"
        "        return table[celsius]\n"
        "    raise ValueError(celsius)\n"
    )
    model = RecordingModel([[lookup, lookup + "    # the same\n"], [RIGHT, "    return celsius\n"]])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    revising = [e for e in events if isinstance(e, Revising)]
    assert len(revising) == 1 and revising[0].lookup and revising[0].attempt == 0
    assert revising[0].wrong and all(w.endswith("it gave an error (ValueError)") for w in revising[0].wrong)
    assert "for 1 it gave an error (ValueError)" in revising[0].wrong
    first, second = model.requests
    assert second.rows == (2, 3)
    assert second.feedback.startswith("Careful: a first version of this function only repeated the examples")
    assert "- for 1 it gave an error (ValueError)\n" in second.feedback
    done = events[-1]
    assert isinstance(done, Done) and [c.index for c in done.candidates] == [0, 1, 2, 3]
    assert [done.verdicts[i].passed for i in range(4)] == [True, True, True, False]


def test_a_right_candidate_that_computes_the_rule_asks_for_no_more(pool):
    """One right candidate generalises: the lookup beside it costs no round."""
    lookup = "    return {0: 32.0, 100: 212.0, -40: -40.0}[celsius]\n"
    model = RecordingModel([[lookup, RIGHT]])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    assert not any(isinstance(e, Revising) for e in events) and len(model.requests) == 1


def test_a_function_that_raises_near_every_example_is_no_lookup(pool):
    """Dates: the inputs tried near '2024-03-01' are mostly no dates, so the right function raises on
    each of them, as a lookup would. Its code does not write the examples out: no round, and the
    examination does not say it only repeats them."""
    from core.ranking.examine import examples_question, rows_as_inputs

    spec = build_spec(["day", "expected"], [["2024-03-01", "Friday"], ["2024-12-25", "Wednesday"]], "weekday")
    weekday = "    import datetime\n    return datetime.date.fromisoformat(day).strftime('%A')\n"
    model = RecordingModel([[weekday, weekday + "    # again\n"]])
    done = run_to_end(
        examples_pipeline(model, pool, spec, Harness(spec.prompt, spec.tests, spec.name), SamplingParams(n=2))
    )
    assert len(model.requests) == 1 and all(v.passed for v in done.verdicts.values())
    lookup = "    if day == '2024-03-01':\n        return 'Friday'\n    if day == '2024-12-25':\n        return 'Wednesday'\n    raise ValueError(day)\n"
    exam, _ = examples_question(pool, model, spec, [weekday, lookup], [True, True], ask_model=False)
    known = rows_as_inputs(spec)
    # Alike on every input tried (both raise near the rows): one cluster, but the lookup weighs nothing.
    assert exam.support(known, [True, True]) == [2, 0] and not exam.only_rows(known, [True, True])
    assert exam.only_rows(known, [False, True])


def test_corrections_start_from_a_rule_rather_than_a_longer_lookup(pool):
    """The likelier candidate looks two examples up (right on 2 of 3), the other computes a wrong
    rule (right on 1): told what the lookup got wrong, the model only extends the lookup, so the
    round corrects the rule."""
    lookup = "    return {0: 32.0, 100: 212.0}[celsius]\n"
    rule = "    return celsius * 2 + 32\n"  # right for 0 only
    model = RecordingModel([[lookup, rule], [RIGHT, RIGHT]])
    events = list(examples_pipeline(model, pool, SPEC, harness(), SamplingParams(n=2, mode="auto")))
    (revising,) = [e for e in events if isinstance(e, Revising)]
    assert revising.attempt == 1 and "for 100 it returned 232, expected 212.0" in revising.wrong
