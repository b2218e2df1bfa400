"""The one interface the GUI, the CLI, eval and the sampling lab sample through: `Backend`, with
the `Capabilities` each backend declares, and `SamplingBackend`, what the local engine and the
remote client share once they can `stream` (mode resolution and the list-returning `generate`).

Light to import (no torch, no model runners), so that consumers can name the interface without
loading a model; core.sampling.open_backend's `open_backend` picks the implementation.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from core.sampling.candidate import Candidate, CandidateDone, TokenDelta
from core.sampling.params import InvalidParams, SamplingParams

if TYPE_CHECKING:  # core.models.loader pulls in the model runners
    import torch

    from core.models.info import ModelInfo


class GenerationOOM(RuntimeError):
    """Out of memory even with one row at a time (a local model's backend)."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond sampling, declared instead of probed: a caller checks these
    before it calls the method, and a backend raises NotImplementedError (with a sentence a user
    can act on) where it is called anyway."""

    # `score` gives the log-probs of a given text (the back-translation ranking).
    scoring: bool
    # Candidates carry their tokens' log-probs, so the mean log-prob ranking means something.
    token_logprobs: bool
    # `next_token_logits` gives the whole next-token distribution (the token explorer), and the
    # backend's `tokenizer` names its tokens.
    next_token_logits: bool
    # SamplingParams.prefix is honoured: candidates can start with forced text (branching).
    forced_prefix: bool


@runtime_checkable
class Backend(Protocol):
    @property
    def info(self) -> ModelInfo:
        """Read-only here, so that a backend may hold a subclass (RemoteInfo)."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    def resolve_mode(self, mode: str) -> str:
        """ "auto" -> "instruct" or "completion"; raises InvalidParams for instruct without a chat template."""
        ...

    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        """Live events; setting `cancel` finishes every open candidate with finish_reason "cancelled"."""
        ...

    def generate(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> list[Candidate]:
        """The finished candidates, by index."""
        ...

    def score(self, context: str, continuation: str) -> list[float]:
        """Log-prob of each token of `continuation` after `context` (teacher-forced); needs
        `capabilities.scoring`."""
        ...

    def next_token_logits(self, prompt: str, written_ids: list[int], mode: str = "auto") -> torch.Tensor:
        """The raw next-token logits after `prompt` and a candidate's first tokens; needs
        `capabilities.next_token_logits`."""
        ...


class SamplingBackend(ABC):
    """Subclasses set `info` (a ModelInfo) and define `stream`, `capabilities`, `score` and
    `next_token_logits`."""

    info: ModelInfo

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    @abstractmethod
    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        """Live events; setting `cancel` finishes every open candidate with finish_reason "cancelled"."""

    @abstractmethod
    def score(self, context: str, continuation: str) -> list[float]: ...

    @abstractmethod
    def next_token_logits(self, prompt: str, written_ids: list[int], mode: str = "auto") -> torch.Tensor: ...

    def resolve_mode(self, mode: str) -> str:
        if mode == "auto":
            return "instruct" if self.info.has_chat_template else "completion"
        if mode == "instruct" and not self.info.has_chat_template:
            raise InvalidParams(f"{self.info.name} has no chat template; use completion mode")
        return mode

    def generate(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> list[Candidate]:
        done = [e.candidate for e in self.stream(prompt, params, cancel) if isinstance(e, CandidateDone)]
        return sorted(done, key=lambda c: c.index)
