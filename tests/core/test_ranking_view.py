"""The order of one live candidate list: every key stays put as candidates arrive."""

import math

import pytest

from core.ranking.order import group_duplicates, rank
from core.sampling.candidate import Candidate


def cand(index: int, logprobs: list[float], text: str = "    return 1\n") -> Candidate:
    return Candidate(
        index=index,
        text=text,
        raw_text=text,
        token_ids=list(range(len(logprobs))),
        token_logprobs=logprobs,
        finish_reason="stop",
    )


def test_back_translation_ranks_scored_candidates_first_then_by_mean_logprob():
    a, b, c, d = cand(0, [-1.0]), cand(1, [-0.1]), cand(2, [-2.0]), cand(3, [-0.5])
    scores = {2: -3.0, 0: -7.0}
    assert [x.index for x in rank([a, b, c, d], "back_translation", scores=scores)] == [2, 0, 1, 3]
    assert [x.index for x in rank([a, b, c, d], "back_translation")] == [1, 3, 0, 2]  # none scored yet


def test_random_order_is_stable_as_candidates_arrive_and_duplicates_group():
    first = [cand(i, [-1.0], f"    return {i % 2}\n") for i in range(4)]
    later = first + [cand(i, [-1.0]) for i in range(4, 8)]
    order = [c.index for c in rank(first, "random", seed=3)]
    assert [c.index for c in rank(later, "random", seed=3) if c.index < 4] == order
    groups = group_duplicates(rank(first, "mean_logprob"))
    assert [[c.index for c in g] for g in groups] == [[0, 2], [1, 3]]


def test_unknown_ranking_is_refused():
    with pytest.raises(ValueError, match="unknown ranking"):
        rank([], "best")


def test_one_definition_of_the_same_program_for_the_app_eval_and_the_lab():
    from core.ranking.order import program_key

    same = ["    return x\n", "    return x", "    return x  \n\n", "    return x\t\n"]
    assert len({program_key(c) for c in same}) == 1
    # Indentation, blank lines at the start or inside (line numbers), and whitespace inside a string
    # or after a line-continuing backslash are part of the program; so are the characters other
    # than newline that str.splitlines() would take for line ends.
    other = [
        ("    return x\n", "  return x\n"),
        ("    a = 1\n\n    return a\n", "    a = 1\n    return a\n"),
        ("\n    return x\n", "    return x\n"),
        ('    s = """a  \n"""\n', '    s = """a\n"""\n'),
        ("    return 1 + \\  \n        2\n", "    return 1 + \\\n        2\n"),
        ('    return "a\x0cb"\n', '    return "a\nb"\n'),
        ('    return "a\u2028b"\n', '    return "a\nb"\n'),
    ]
    assert [program_key(a) == program_key(b) for a, b in other] == [False] * len(other)
    groups = group_duplicates(
        [
            Candidate(index=i, text=t, raw_text=t, token_ids=[1], token_logprobs=[-0.1], finish_reason="stop")
            for i, t in enumerate(same)
        ]
    )
    assert len(groups) == 1 and len(groups[0]) == len(same)


def test_one_tie_breaking_rule_for_the_workbench_generate_and_from_examples():
    from core.modes.examples import best_first

    # Equal scores everywhere: the model's confidence decides, then request order; degenerate last.
    cands = [cand(0, [-2.0]), cand(1, [-0.5]), cand(2, [-2.0]), cand(3, [-0.1]), cand(4, [])]
    cands[3].degenerate = "repeats the prompt"
    expected = [1, 0, 2, 4, 3]
    for by in ("cluster", "agreement", "back_translation"):
        assert [c.index for c in rank(cands, by, scores={c.index: 3.0 for c in cands})] == expected
    assert [c.index for c in rank(cands, "mean_logprob")] == expected
    means = [c.mean_logprob if c.token_logprobs else None for c in cands]
    assert best_first([[None]] * 5, means, [c.degenerate for c in cands], [2] * 5) == expected


def test_a_nan_mean_ranks_last_and_leaves_the_others_in_order():
    """NaN compares false both ways: left in a sort key, it scrambles the whole list."""
    means = [-2.0, math.nan, -1.0, -3.0, -0.5]
    ranked = rank([cand(i, [m]) for i, m in enumerate(means)])
    assert [c.index for c in ranked] == [4, 2, 0, 3, 1]
