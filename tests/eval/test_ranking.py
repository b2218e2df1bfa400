"""Ranking curves against brute force over all subsets, and their known special cases."""

import itertools
import random

import numpy as np
import pytest

from core.evaluation.passk import pass_at_k
from core.ranking.curves import HEURISTICS, heuristic_scores, ranking_curves, top1_curve, top1_weights


def brute_force_curve(scores, passed):
    """Enumerate every k-subset; ties inside a subset are split evenly among the tied."""
    n = len(scores)
    curve = []
    for k in range(1, n + 1):
        total = 0.0
        subsets = list(itertools.combinations(range(n), k))
        for subset in subsets:
            best = max(scores[i] for i in subset)
            tied = [i for i in subset if scores[i] == best]
            total += sum(passed[i] for i in tied) / len(tied)
        curve.append(total / len(subsets))
    return curve


def test_weights_are_distributions():
    for n in (1, 2, 7, 200, 1000):
        w = top1_weights(n)
        assert np.all(w >= 0)
        assert np.allclose(w.sum(axis=1), 1.0)
    assert top1_weights(5)[0, 2] == pytest.approx(1 / 5)  # k=1: uniform
    assert top1_weights(5)[4, 0] == pytest.approx(1.0)  # k=n: always the best


def test_exact_against_all_subsets_with_ties():
    rng = random.Random(1)
    for _ in range(40):
        n = rng.randint(1, 8)
        # Few distinct values so that ties are common.
        scores = [rng.choice([-1.0, -0.5, 0.0, float("-inf")]) for _ in range(n)]
        passed = [rng.random() < 0.4 for _ in range(n)]
        assert top1_curve(scores, passed) == pytest.approx(brute_force_curve(scores, passed))


def test_oracle_is_pass_at_k_and_random_is_flat():
    passed = [True, False, False, True, False, False, False, False]
    n, c = len(passed), sum(passed)
    oracle = top1_curve([float(p) for p in passed], passed)
    assert oracle == pytest.approx([pass_at_k(n, c, k) for k in range(1, n + 1)])
    assert top1_curve([0.0] * n, passed) == pytest.approx([c / n] * n)


def test_perfect_and_adversarial_scores():
    passed = [False, True, False, False]
    assert top1_curve([0, 1, 0.5, 0.2], passed)[-1] == pytest.approx(1.0)
    assert top1_curve([0, -1, 0.5, 0.2], passed)[-1] == pytest.approx(0.0)


def test_curves_average_over_problems_and_drop_missing_heuristics():
    a = [{"mean_logprob": -0.1, "sum_logprob": -5.0}, {"mean_logprob": -0.9, "sum_logprob": -1.0}]
    b = [
        {"mean_logprob": None, "sum_logprob": 0.0},
        {"mean_logprob": -0.2, "sum_logprob": -3.0},
        {"mean_logprob": -0.3, "sum_logprob": -2.0},
    ]
    curves = ranking_curves([(a, [True, False]), (b, [True, False, False])])
    assert set(curves) == {"oracle", "mean_logprob", "sum_logprob", "random"}
    assert len(curves["random"]) == 2  # the smallest n
    assert curves["random"][0] == pytest.approx((1 / 2 + 1 / 3) / 2)
    # Problem a: mean picks the passing one at k=2; problem b: the empty completion ranks last.
    assert curves["mean_logprob"][1] == pytest.approx((1.0 + 0.0) / 2)
    assert curves["sum_logprob"][1] == pytest.approx((0.0 + 2 / 3) / 2)
    assert ranking_curves([]) == {}


def test_heuristic_scores():
    samples = [{"back_translation_logprob": -3.0}, {"back_translation_logprob": -1.0}]
    assert heuristic_scores(samples, [True, False], "back_translation") == [-3.0, -1.0]
    assert heuristic_scores(samples, [True, False], "oracle") == [1.0, 0.0]
    assert heuristic_scores(samples, [True, False], "mean_logprob") is None
    assert set(HEURISTICS) == {
        "oracle",
        "agreement",
        "cluster",
        "back_translation",
        "mean_logprob",
        "sum_logprob",
        "random",
    }


def test_large_n_is_fast_and_finite():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=1000)
    passed = scores + rng.normal(size=1000) > 1.0
    curve = top1_curve(scores.tolist(), passed.tolist())
    assert np.all(np.isfinite(curve))
    assert curve[0] == pytest.approx(passed.mean())
    assert curve[-1] == float(passed[np.argmax(scores)])
    # Scores correlate with passing, so looking at more samples helps.
    assert curve[99] > curve[0] + 0.2
