"""Choosing by running (issue 21): inputs, model-written tests as data, behaviour read from the real
sandbox, clusters, agreement and the question that separates candidates right on every example."""

import math

import pytest

from core.modes.examples import answer_row, best_first, build_spec, example_verdicts
from core.ranking import behaviour as bh
from core.ranking import generated_tests as gt
from core.ranking import probe_inputs as pi
from core.ranking.curves import heuristic_scores, top1_curve
from core.ranking.examine import examine, examples_question
from core.sampling.candidate import Candidate
from sandbox import Program, SandboxPool

PROMPT = '''def scale(x: int) -> int:
    """Scale a number.

    >>> scale(2)
    4
    """
'''
DOUBLE, SQUARE, PLUS_TWO = "    return x * 2\n", "    return x ** 2\n", "    return x + 2\n"


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(workers=1) as p:
        yield p


class ScriptedBackend:
    """Writes the given text whenever it is asked for tests (core.ranking.generated_tests)."""

    def __init__(self, tests_text: str = ""):
        self.tests_text, self.asked = tests_text, 0

    def generate(self, prompt, params, cancel=None):
        self.asked += 1
        return [
            Candidate(
                index=i,
                text=self.tests_text,
                raw_text=self.tests_text,
                token_ids=[1],
                token_logprobs=[-1.0],
                finish_reason="stop",
            )
            for i in range(params.n)
        ]


def test_calls_in_prompts_and_tests_keep_only_literal_arguments():
    text = '''def f(a, b):
    """>>> f([1, 2], 3)
    f("x", -1.5) ==> 0
    f(a, 2) is not literal; g(9) is another function; self.f(4) is a method
    """'''
    assert pi.calls_in_text(text, ["f"]) == [([1, 2], 3), ("x", -1.5)]
    tests = "def check(candidate):\n    assert candidate(5, {'k': (1,)}) == 1\n    assert candidate(x=1) == 2\n"
    assert pi.calls_in_text(tests, ["candidate"]) == [(5, {"k": (1,)})]


def test_inputs_put_seeds_first_mutate_each_in_turn_and_respect_arity_and_limit():
    inputs = pi.collect([(3, "ab")], proposed=[(10, "z"), (1,)], arity_range=(2, 2), limit=12)
    assert inputs[:2] == ["3, 'ab'", "10, 'z'"] and len(inputs) == 12 == len(set(inputs))
    assert "4, 'ab'" in inputs and "11, 'z'" in inputs  # both bases got neighbours before either got many
    assert all(len(pi.parse_args(i)) == 2 for i in inputs)  # the one-argument proposal was left out
    assert pi.render((math.nan,)) is None and pi.render((object(),)) is None
    assert pi.neighbours(10**12) == []  # no neighbours for numbers that make loops run forever
    assert [] in pi.neighbours([5, 1]) and [1, 5] in pi.neighbours([5, 1])


def test_model_tests_are_kept_as_data_and_unusable_asserts_are_counted():
    completions = [
        "2) == 4\nassert 6 == scale(3)\nassert not scale(0)\nassert scale(1)\n"
        "assert scale(y) == 1\nassert other(1) == 2\nassert scale(__import__('os')) == 1\n"
        "assert scale(1, 2) == 3\nimport os\nassert scale(5) == (",
        "2) == 4\n",
    ]
    found = gt.parse_tests(completions, "scale", arity_range=(1, 1))
    assert [t.source() for t in found.tests] == [
        "candidate(2) == 4",
        "candidate(3) == 6",
        "candidate(0) == False",
        "candidate(1) == True",
    ]
    assert found.dropped == 6 and found.unavailable_reason is None
    assert gt.GeneratedTests.from_json(found.to_json()) == found
    assert (
        gt.parse_tests(["x"], "scale").unavailable_reason
        == "the model wrote no usable tests (1 unusable asserts dropped)"
    )
    assert (
        gt.parse_tests([""], "scale").unavailable_reason
        == "the model wrote no usable tests (1 unusable asserts dropped)"
    )


def test_behaviour_comes_from_values_the_judge_saw_not_from_what_a_candidate_prints_or_raises(pool):
    inputs = ["3", "0", "-1", "2"]
    completions = {
        "double": DOUBLE,
        "double_float": "    return float(x * 2)\n",  # == cannot tell 6.0 from 6: the same behaviour
        "square": SQUARE,
        "forger": "    print('AssertionError: 6')\n    raise AssertionError('6')\n",
        "hangs_on_zero": "    while x == 0:\n        pass\n    return x * 2\n",
        "raises_on_negative": "    if x < 0:\n        raise ValueError('negative')\n    return x * 2\n",
    }
    found = {
        name: bh.read_behaviour(
            pool.submit(bh.probe_program(PROMPT, text, "scale", inputs), timeout_s=2.0).result(), len(inputs), 0
        )
        for name, text in completions.items()
    }
    assert found["double"].outcomes == ("=6", "=0", "=-2", "=4")
    assert found["double_float"].key == found["double"].key
    assert found["square"].outcomes == ("=9", "=0", "=1", "=4")
    assert found["forger"].outcomes == ("!AssertionError",) * 4
    assert found["hangs_on_zero"].outcomes[:2] == ("=6", "~timeout")
    assert found["raises_on_negative"].outcomes == ("=6", "=0", "!ValueError", "=4")
    keys = [b.key for b in found.values()]
    assert bh.cluster_sizes(keys) == [2, 2, 1, 1, 1, 1]


def test_programs_that_answer_nothing_anywhere_are_no_majority(pool):
    """Three bodies that forgot an import raise alike on every input: before, they were a cluster
    of 3 and ranked above the 2 right ones."""
    inputs = ["3", "0", "-1"]
    bodies = ["    return math.floor(x * 2)\n"] * 3 + ["    return x * 2\n", "    return x + x\n"]
    keys = [
        bh.read_behaviour(pool.submit(bh.probe_program(PROMPT, body, "scale", inputs)).result(), 3, 0).key
        for body in bodies
    ]
    assert len(set(keys[:3])) == 1 and keys[3] == keys[4]
    assert bh.cluster_sizes(keys) == [1, 1, 1, 2, 2]
    assert bh.agreement_scores(keys, [3, 3, 3, 1, 1]) == [3, 3, 3, 2, 2]


def test_canonical_text_ignores_container_order_and_cuts_long_values(pool):
    inputs = ["1"]
    a = "    return {'b': {3, 1, 2}, 'a': [0.1 + 0.2]}\n"
    b = "    return {'a': [0.3], 'b': {2, 3, 1}}\n"
    long = "    return 'x' * 10000\n"
    run = lambda text: bh.read_behaviour(pool.submit(bh.probe_program(PROMPT, text, "scale", inputs)).result(), 1, 0)  # noqa: E731
    assert run(a) == run(b) and run(a).outcomes == ("={'a': [0.3], 'b': {1, 2, 3}}",)
    shown = run(long).outcomes[0]
    assert shown.startswith("=#") and len(shown) < 200
    with pytest.raises(ValueError):
        bh.value_of(shown)


def test_examine_clusters_and_agreement_with_model_tests(pool):
    backend = ScriptedBackend("2) == 4\nassert scale(3) == 6\nassert scale(5) == 10\n")
    exam = examine(backend, pool, PROMPT, "scale", [DOUBLE, SQUARE, DOUBLE, PLUS_TWO])
    assert exam.tests.tests and exam.inputs[0] == "2" and "3" in exam.inputs
    assert exam.cluster_sizes() == [2, 1, 2, 1]
    # Each double passes all 3 model tests (cluster 2 x 3); square and plus-two pass only scale(2) == 4.
    assert exam.agreement_scores() == [6, 1, 6, 1]
    silent = examine(ScriptedBackend("nothing useful"), pool, PROMPT, "scale", [DOUBLE, SQUARE])
    assert silent.agreement_scores() is None and "no usable tests" in silent.tests.unavailable_reason


def test_a_single_ambiguous_example_gives_a_question_and_its_answer_settles_it(pool):
    spec = build_spec(["x", "expected"], [["2", "4"]], "Compute the result")
    completions = [DOUBLE, SQUARE, DOUBLE, PLUS_TWO, "    return x - 1\n"]

    def verdicts_for(spec_now):
        runs = [pool.submit(Program(spec_now.prompt, c, spec_now.tests, spec_now.name)).result() for c in completions]
        return [example_verdicts(spec_now, r.cases) for r in runs]

    verdicts = verdicts_for(spec)
    right = [v.count(None) == len(v) for v in verdicts]
    assert right == [True, True, True, True, False]
    backend = ScriptedBackend()
    exam, question = examples_question(pool, backend, spec, completions, right)
    assert backend.asked == 0  # the example's neighbours were enough: the model was not asked
    assert question is not None and question.args == "3"
    assert [(a.text, a.candidates) for a in question.answers] == [("6", (0, 2)), ("9", (1,)), ("5", (3,))]
    assert question.sentence(spec.name) == (
        "For compute_result(3), should the answer be 6 (2 candidates) or 9 (1 candidate) or 5 (1 candidate)?"
    )
    # The majority's behaviour breaks the tie between candidates right on every example.
    assert best_first(verdicts, [-1.0, -0.5, -1.0, -0.1, -0.1], None, exam.cluster_sizes())[:2] == [0, 2]

    answered = build_spec(["x", "expected"], [["2", "4"], answer_row(question.args, "9")], "Compute the result")
    right = [v.count(None) == len(v) for v in verdicts_for(answered)]
    assert right == [False, True, False, False, False]
    _, again = examples_question(pool, backend, answered, completions, right)
    assert again is None  # one candidate left: nothing to ask


def test_cluster_and_agreement_curves_prefer_the_majority_and_break_ties_by_mean_logprob():
    samples = [
        {"behaviour": k, "generated_tests_passed": t, "mean_logprob": lp}
        for k, t, lp in [("a", 2, -0.9), ("a", 2, -0.8), ("b", 0, -0.1), ("c", 3, -0.2)]
    ]
    passed = [True, True, False, False]
    cluster = heuristic_scores(samples, passed, "cluster")
    assert cluster[1] > cluster[0] > cluster[2] > cluster[3]  # cluster 2 first, then by mean log-prob
    assert top1_curve(cluster, passed)[-1] == 1.0
    agreement = heuristic_scores(samples, passed, "agreement")  # 2x2=4, 4, 1x0=0, 1x3=3
    assert agreement[1] > agreement[0] > agreement[3] > agreement[2]
    assert heuristic_scores([{"mean_logprob": -1.0}], [True], "cluster") is None
    degenerate = [*samples[:3], {**samples[3], "degenerate": "empty"}]
    assert min(heuristic_scores(degenerate, passed, "cluster")) == heuristic_scores(degenerate, passed, "cluster")[3]


def test_answers_that_agree_to_the_examples_decimals_are_one_answer(pool):
    spec = build_spec(["km", "expected"], [["1", "0.62"], ["10", "6.21"]], "Convert kilometres to miles")
    assert spec.decimals == 2
    completions = [
        "    return km * 0.621371\n",
        "    return km * 0.6213712\n",
        "    return round(km * 0.621371, 2) if km > 0 else -1.0\n",
    ]
    right = [True] * 3
    _, question = examples_question(pool, ScriptedBackend(), spec, completions, right, ask_model=False)
    # The first two agree to the cent everywhere; only the last differs (at 0 and below).
    assert question is not None and float(pi.parse_args(question.args)[0]) <= 0
    assert sorted(len(a.candidates) for a in question.answers) == [1, 2]
    assert all(a.text == repr(round(a.value, 2)) for a in question.answers)


def test_a_whole_number_as_an_int_or_a_float_is_one_answer():
    """ "220.0 or 220?" was asked, though the table's own checks take either for the other."""
    as_float, as_int = bh.Behaviour(("=220.0", "=0.5"), ()), bh.Behaviour(("=220", "=1"), ())
    for decimals in (None, 1):
        question = bh.disagreement(["100", "0.25"], [as_float, as_int], decimals)
        assert question is not None and question.args == "0.25"  # where they really differ
    assert bh.disagreement(["100"], [bh.Behaviour(("=220.0",), ()), bh.Behaviour(("=220",), ())]) is None


def test_a_model_test_whose_input_does_not_fit_the_columns_asks_nothing(pool):
    """The fourth probe: total(1, 2, 3), a number where the table's first column is text, with the
    answer a formula the description rules out, was offered as another reading of the examples."""
    spec = build_spec(["item", "price", "expected"], [["'tea'", "3", "6"], ["'cake'", "5", "10"]], "Twice the price")
    body = "    return price * 2\n"
    wrong_kinds = ScriptedBackend("1, 2) == 7\nassert twice_the_price(3, 4) == 1\n")
    _, question = examples_question(pool, wrong_kinds, spec, [body, body], [True, True])
    assert wrong_kinds.asked == 1 and question is None
    fitting = ScriptedBackend("'jam', 2) == 7\n")  # the same kind of values: a real other reading
    _, question = examples_question(pool, fitting, spec, [body, body], [True, True])
    assert question is not None and question.args == "'jam', 2" and question.answers[-1].from_model_test


def test_a_model_test_that_reads_the_examples_another_way_is_offered_when_the_candidates_agree(pool):
    spec = build_spec(["x", "expected"], [["2", "4"]], "Compute the result")
    # The model's tests: one restating the example (not a new reading), one agreeing with the
    # candidates, one expecting squares, which no candidate computes.
    backend = ScriptedBackend("2) == 4\nassert compute_result(5) == 10\nassert compute_result(7) == 49\n")
    exam, question = examples_question(pool, backend, spec, [DOUBLE, DOUBLE], [True, True])
    assert backend.asked == 1 and question is not None and question.args == "7"
    assert [(a.text, a.candidates, a.from_model_test) for a in question.answers] == [
        ("14", (0, 1), False),
        ("49", (), True),
    ]
    assert question.sentence(spec.name) == (
        "For compute_result(7), should the answer be 14 (2 candidates) or 49 (a test the model wrote)?"
    )
    # A model test that agrees offers no other reading: one row still fits many functions, so the
    # candidates' shared answer is put to the user on a telling input.
    agreeing = ScriptedBackend("5) == 10\n")
    confirm = examples_question(pool, agreeing, spec, [DOUBLE, DOUBLE], [True, True])[1]
    assert confirm is not None and confirm.confirms and confirm.args not in ("0", "1", "-1", "2")
    (answer,) = confirm.answers
    assert answer.value == 2 * int(confirm.args) and answer.candidates == (0, 1)
    assert confirm.sentence(spec.name).endswith(f"One example fits many functions: is {answer.text} what you mean?")


def test_a_confirmation_asks_on_the_most_telling_input_and_never_on_an_error():
    from core.ranking.behaviour import Behaviour, confirmation

    inputs = ["2, 2", "0, 3", "1, 2", "3, 3", "2, 5", "-2, 9"]
    # Sum-like answers everywhere; on "-2, 9" one candidate raised: no shared answer to confirm.
    same = Behaviour(("=4", "=3", "=3", "=6", "=7", "=7"), ())
    raised = Behaviour(("=4", "=3", "=3", "=6", "=7", "!TypeError"), ())
    question = confirmation(inputs, [same, None, raised], known=["2, 2"])
    # "0, 3" and "1, 2" hold a 0 or a 1, "3, 3" repeats its value: "2, 5" tells sum, product and power apart.
    assert question is not None and question.args == "2, 5"
    assert [(a.text, a.candidates) for a in question.answers] == [("7", (0, 2))]
    assert confirmation(inputs, [None, None]) is None
    split = Behaviour(("=4", "=0", "=2", "=9", "=10", "=-18"), ())
    assert confirmation(["2, 2"], [same, split], known=["2, 2"]) is None  # only the example itself
