"""The order the app lists a problem's candidates in, and which of them are the same program.

Unlike `core.ranking.curves` (curves over many problems), this orders one live list: candidates
arrive one at a time, so every key must be stable as others join.
"""

from __future__ import annotations

import functools
import io
import math
import random
import tokenize
from collections.abc import Iterable, Mapping, Sequence

from core.sampling.candidate import Candidate

RANKINGS = {
    "mean_logprob": "mean log-prob",
    "sum_logprob": "sum log-prob",
    "random": "random",
    "back_translation": "back-translation",
    "cluster": "behaviour cluster",
    "agreement": "agreement with model tests",
}
# Rankings whose scores are computed after generation (core.modes.reverse, core.ranking.examine) and passed in.
SCORED = ("back_translation", "cluster", "agreement")


def _random_key(seed: int, candidate: Candidate) -> float:
    # Keyed by index, not by position, so a candidate keeps its place when others arrive.
    return random.Random(f"{seed}:{candidate.index}").random()


def best_first_key(
    mean_logprob: float | None, index: int, *, demoted: bool = False, better: Sequence[float] = ()
) -> tuple[float, ...]:
    """The one tie-breaking rule of every ranked list (the Workbench, generate, From examples, the
    Compare tab, docstrings); sort ascending by it. Demoted candidates (not an attempt, core.ranking.degenerate;
    a docstring that copies the code) come after all others; then `better`, larger first, compared
    in turn; among equals the model's own confidence, higher mean log-prob first (None, an empty
    completion, last); then request order, so a candidate keeps its place as others arrive.
    core.ranking.curves's curves break ties at random instead: they average over every pick."""
    # NaN compares false both ways and would scramble the order of every other candidate.
    confidence = float("-inf") if mean_logprob is None or math.isnan(mean_logprob) else mean_logprob
    return (float(demoted), *(-value for value in better), -confidence, float(index))


def rank(
    candidates: Iterable[Candidate], by: str = "mean_logprob", seed: int = 0, scores: Mapping[int, float] | None = None
) -> list[Candidate]:
    """Best first, ties broken by `best_first_key`: degenerate candidates (core.ranking.degenerate) after
    all real ones, whatever the ranking. For a SCORED ranking, `scores` maps candidate index to its
    score (back-translation log-prob, cluster size, agreement); candidates not scored yet follow
    the scored ones."""
    if by not in RANKINGS:
        raise ValueError(f"unknown ranking {by!r}; choose one of {', '.join(RANKINGS)}")
    known = scores or {}

    def better(c: Candidate) -> tuple[float, ...]:
        if by == "random":
            return (-_random_key(seed, c),)  # smallest key first, as the order has always been
        if by in SCORED:
            return (float(c.index in known), known.get(c.index, 0.0))
        return () if by == "mean_logprob" else (getattr(c, by),)

    return sorted(
        candidates,
        key=lambda c: best_first_key(c.mean_logprob, c.index, demoted=c.degenerate is not None, better=better(c)),
    )


@functools.lru_cache(maxsize=4096)  # the window groups its candidates again at every change of ranking
def program_key(completion: str) -> str:
    """The one definition of "the same program" for the app's duplicate groups, the copies that
    share one sandbox run (core.ranking.distinct_runs) and the distinct-program counts of eval and
    the lab. Spaces and tabs at the ends of lines and blank lines at the end cannot change what a
    program does, except inside a string that spans lines or after a line-continuing backslash:
    there they are kept. Blank lines at the start are kept too, since they move every line number a
    program can read. Text the tokenizer cannot read is its own key."""
    try:
        inside = _rows_inside_tokens(completion)
    except (tokenize.TokenError, SyntaxError):  # an unclosed string, a dedent to no level
        return completion
    if inside is None:
        return completion
    lines = completion.split("\n")
    kept = [
        line if row in inside or line.rstrip(" \t").endswith("\\") else line.rstrip(" \t")
        for row, line in enumerate(lines, start=1)
    ]
    return "\n".join(kept).rstrip("\n")


def _rows_inside_tokens(completion: str) -> set[int] | None:
    """Rows whose line ends inside a token (a string over several lines), or None where the
    tokenizer met a character it cannot place."""
    rows: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(completion).readline):
        if token.type == tokenize.ERRORTOKEN:
            return None
        rows.update(range(token.start[0], token.end[0]))
    return rows


def group_duplicates(ranked: Sequence[Candidate]) -> list[list[Candidate]]:
    """Identical programs grouped, each group led by its best-ranked member, groups in rank order."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in ranked:
        groups.setdefault(program_key(candidate.text), []).append(candidate)
    return list(groups.values())
