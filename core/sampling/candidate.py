"""What one sample is: its text, its tokens and the log-probabilities the app ranks by."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Candidate:
    index: int  # position in the request; the seed of row i depends only on (seed, i)
    text: str  # the completion that is appended to the prompt (for instruct: the extracted body)
    raw_text: str  # what the model emitted, truncated at the stop
    token_ids: list[int]
    # Log-probabilities under the model's raw distribution (before temperature, top-k, top-p).
    token_logprobs: list[float]
    finish_reason: str  # "stop" | "eos" | "length" | "cancelled"
    elapsed_s: float = 0.0
    # Each token's share of raw_text, aligned with token_ids: they join into raw_text. A token that
    # starts a character split over several tokens holds it; the others hold "".
    tokens: list[str] = field(default_factory=list)
    # Per token: the most likely alternatives as (piece, logprob), for the probability view.
    top_logprobs: list[list[tuple[str, float]]] = field(default_factory=list)
    # Why this is not an attempt at the function (core.ranking.degenerate), or None: ranked after real ones.
    degenerate: str | None = None

    @property
    def cut_by_token_limit(self) -> bool:
        return self.finish_reason == "length"

    @property
    def warnings(self) -> list[str]:
        """What a user must be told beside this candidate's text, in plain words."""
        notes = ["cut by the token limit"] if self.cut_by_token_limit else []
        return notes + ([f"not an attempt: {self.degenerate}"] if self.degenerate else [])

    @property
    def sum_logprob(self) -> float:
        return float(sum(self.token_logprobs))

    @property
    def mean_logprob(self) -> float:
        # An empty completion has no evidence; rank it last rather than dividing by zero.
        return self.sum_logprob / len(self.token_logprobs) if self.token_logprobs else float("-inf")

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "completion": self.text,
            "raw_text": self.raw_text,
            "mean_logprob": self.mean_logprob if self.token_logprobs else None,
            "sum_logprob": self.sum_logprob,
            "num_tokens": len(self.token_ids),
            "token_ids": self.token_ids,
            "token_logprobs": self.token_logprobs,
            "tokens": self.tokens,
            "top_logprobs": [[list(p) for p in alts] for alts in self.top_logprobs],
            "finish_reason": self.finish_reason,
            "warning": "cut by the token limit" if self.cut_by_token_limit else None,
            "degenerate": self.degenerate,
            "elapsed_s": self.elapsed_s,
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Candidate:
        return cls(
            index=row["index"],
            text=row["completion"],
            raw_text=row.get("raw_text", row["completion"]),
            token_ids=list(row.get("token_ids", [])),
            token_logprobs=list(row.get("token_logprobs", [])),
            finish_reason=row.get("finish_reason", "stop"),
            elapsed_s=row.get("elapsed_s", 0.0),
            tokens=list(row.get("tokens", [])),
            top_logprobs=[[tuple(p) for p in alts] for alts in row.get("top_logprobs", [])],
            degenerate=row.get("degenerate"),
        )


@dataclass
class TokenDelta:
    """Streaming event: new raw text for candidate `index`. With `reset`, the text replaces
    what was streamed so far (the row restarted after an out-of-memory retry)."""

    index: int
    text: str
    reset: bool = False


@dataclass
class CandidateDone:
    """Streaming event: candidate finished (stop, eos, length or cancel)."""

    candidate: Candidate


def reindexed(event: TokenDelta | CandidateDone, indices: list[int]) -> TokenDelta | CandidateDone:
    """The event for sample indices[i] instead of i (a request for some of a run's samples)."""
    if isinstance(event, TokenDelta):
        return replace(event, index=indices[event.index])
    return CandidateDone(replace(event.candidate, index=indices[event.candidate.index]))
