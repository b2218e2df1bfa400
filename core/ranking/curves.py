"""Choosing one sample out of k without running the tests (Codex paper, Figure 7).

A heuristic gives every candidate a score; from k samples we keep the best-scored one.
The curve of a heuristic is the pass rate of that kept sample as k grows, in expectation
over the uniformly random k-subsets of the n samples we drew, averaged over problems.
The expectation is exact (no Monte-Carlo noise): the i-th best of n candidates is the
best of a random k-subset with probability C(n-1-i, k-1) / C(n, k).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from core.evaluation.jsonl import JsonObject
from core.ranking.behaviour import cluster_sizes

if TYPE_CHECKING:
    import numpy as np

# numpy is imported in the functions that compute with it: the window imports this module,
# through the sweep, before it is shown, and numpy's 100-140 ms belong after that
# (desktop_app.preload).

# Sample field each score is read from; "oracle" reads the verdict and "random" reads nothing.
SCORE_FIELDS = {
    "mean_logprob": "mean_logprob",
    "sum_logprob": "sum_logprob",
    "back_translation": "back_translation_logprob",
}
# Rankers that run the candidates (core.ranking.behaviour): their score is a count over the problem's
# samples, so it is computed here from each sample's behaviour key, ties broken by mean log-prob.
BEHAVIOUR_FIELDS = {"cluster": "behaviour", "agreement": "generated_tests_passed"}
HEURISTICS = ("oracle", "agreement", "cluster", "back_translation", "mean_logprob", "sum_logprob", "random")


def top1_weights(n: int) -> np.ndarray:
    """W[k-1, i]: probability that the i-th best of n items is the best of a random k-subset."""
    import numpy as np

    ks = np.arange(1, n + 1)[:, None]
    i = np.arange(n - 1)[None, :]
    # Successive ratios C(n-2-i, k-1) / C(n-1-i, k-1) lie in [0, 1], so the running product
    # never overflows, unlike the binomial coefficients themselves at n in the hundreds.
    ratios = np.clip((n - i - ks) / (n - 1 - i), 0.0, 1.0)
    weights: np.ndarray = (ks / n) * np.concatenate([np.ones((n, 1)), np.cumprod(ratios, axis=1)], axis=1)
    return weights


def top1_curve(scores: Sequence[float], passed: Sequence[bool]) -> np.ndarray:
    """Expected pass rate of the best-scored of k random samples, for k = 1..n.

    Equal scores are broken uniformly at random, so a heuristic that scores everything the
    same is the "random" pick and its curve is flat at c / n.
    """
    if len(scores) != len(passed) or not scores:
        raise ValueError("need one score per sample and at least one sample")
    import numpy as np

    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranked_scores = np.asarray(scores, dtype=float)[order]
    ranked_passed = np.asarray(passed, dtype=float)[order]
    weights = top1_weights(len(scores))
    # Within a tie group every member is equally likely to be the one kept.
    starts = np.flatnonzero(np.r_[True, ranked_scores[1:] != ranked_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    curve = np.zeros(len(scores))
    for a, b in zip(starts, ends):
        curve += weights[:, a:b].sum(axis=1) * ranked_passed[a:b].mean()
    return curve


def heuristic_scores(samples: Sequence[JsonObject], passed: Sequence[bool], heuristic: str) -> list[float] | None:
    """Scores of one problem's samples under a heuristic, or None where a sample lacks them."""
    if heuristic == "oracle":
        return [float(p) for p in passed]
    if heuristic == "random":
        return [0.0] * len(samples)
    if heuristic in BEHAVIOUR_FIELDS:
        return _behaviour_scores(samples, heuristic)
    field = SCORE_FIELDS[heuristic]
    if any(field not in s for s in samples):
        return None
    # An empty completion has no log-prob (stored as null), and a degenerate one (core.ranking.degenerate)
    # is no attempt: both rank last.
    return [float("-inf") if s[field] is None or s.get("degenerate") else float(s[field]) for s in samples]


def _behaviour_scores(samples: Sequence[JsonObject], heuristic: str) -> list[float] | None:
    if any(s.get(BEHAVIOUR_FIELDS[heuristic]) is None or s.get("behaviour") is None for s in samples):
        return None
    sizes = cluster_sizes([s["behaviour"] for s in samples])
    counts = (
        sizes
        if heuristic == "cluster"
        else [size * int(s["generated_tests_passed"]) for size, s in zip(sizes, samples)]
    )
    keys = [
        (float("-inf"),) * 2
        if s.get("degenerate")
        else (float(count), float("-inf") if s.get("mean_logprob") is None else float(s["mean_logprob"]))
        for count, s in zip(counts, samples)
    ]
    return lexicographic(keys)


def lexicographic(keys: Sequence[tuple[float, ...]]) -> list[float]:
    """Scores that order like the tuples `keys` (equal tuples tie), for `top1_curve`."""
    place = {key: float(i) for i, key in enumerate(sorted(set(keys)))}
    return [place[key] for key in keys]


def ranking_curves(problems: Iterable[tuple[Sequence[JsonObject], Sequence[bool]]]) -> dict[str, list[float]]:
    """Figure 7 curves, averaged over problems given as (samples, verdicts).

    Curves stop at the smallest n among the problems. A heuristic missing for any sample
    (say, back-translation was not computed) is left out rather than averaged over a
    different set of problems than the others.
    """
    problems = list(problems)
    if not problems:
        return {}
    import numpy as np

    n_min = min(len(samples) for samples, _ in problems)
    curves = {}
    for heuristic in HEURISTICS:
        per_problem = []
        for samples, passed in problems:
            scores = heuristic_scores(samples, passed, heuristic)
            if scores is None:
                break
            per_problem.append(top1_curve(scores, passed)[:n_min])
        else:
            curves[heuristic] = np.mean(per_problem, axis=0).tolist()
    return curves
