"""A branch from a token: a new candidate that writes what another one wrote up to a token, then an
alternative the model offered there, and continues from that forced prefix with the run's
parameters (issue 20). Pure functions; Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.sampling.candidate import Candidate
from core.sampling.params import SamplingParams


@dataclass(frozen=True)
class Branch:
    parent: int  # the candidate branched from
    position: int  # the token of the parent that the alternative replaces
    kept: str  # the parent's raw text before that token: where the two part
    alternative: str  # the token written instead
    rest: str = ""  # the parent's raw text after that token, which the child often writes again

    @property
    def prefix(self) -> str:
        """What the child is forced to write first. The engine tokenizes this text again, so the
        child's forced tokens may split differently from the parent's (e.g. two pieces merging
        into one): the text is the same and so is what the model continues from. The alternatives
        are kept as decoded pieces, not ids, so text is what there is to pass."""
        return self.kept + self.alternative

    def note(self) -> str:
        return f"branch of #{self.parent} at token {self.position}"


def branch_at(candidate: Candidate, position: int, alternative: str) -> Branch:
    """The branch of `candidate` that writes `alternative` instead of its token `position`."""
    if not 0 <= position < len(candidate.tokens):
        raise ValueError(f"candidate #{candidate.index} has no token {position}")
    return Branch(
        candidate.index,
        position,
        "".join(candidate.tokens[:position]),
        alternative,
        "".join(candidate.tokens[position + 1 :]),
    )


def branch_params(run_params: SamplingParams, branch: Branch) -> SamplingParams:
    """The run's parameters for one sample that starts with the branch's prefix. The token budget
    counts sampled tokens only, so the child may write as many new tokens as the run's samples.
    The parent's rest is where the engine looks for guesses first: a child that comes back to its
    parent's text is checked several tokens per pass."""
    return replace(run_params, n=1, prefix=branch.prefix, draft_text=branch.rest).validated()
