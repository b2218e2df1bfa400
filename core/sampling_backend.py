"""What every backend shares once it can `stream`: mode resolution and the list-returning
`generate`. The local engine and the remote client both build on it."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING

from core.candidate import Candidate, CandidateDone, TokenDelta
from core.params import InvalidParams, SamplingParams

if TYPE_CHECKING:  # core.loader pulls in the model runners
    from core.loader import ModelInfo


class SamplingBackend(ABC):
    """Subclasses set `info` (a ModelInfo) and define `stream(prompt, params, cancel)`."""

    info: ModelInfo

    @abstractmethod
    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        """Live events; setting `cancel` finishes every open candidate with finish_reason "cancelled"."""

    def resolve_mode(self, mode: str) -> str:
        if mode == "auto":
            return "instruct" if self.info.has_chat_template else "completion"
        if mode == "instruct" and not self.info.has_chat_template:
            raise InvalidParams(f"{self.info.name} has no chat template; use completion mode")
        return mode

    def generate(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> list[Candidate]:
        done = [e.candidate for e in self.stream(prompt, params, cancel) if isinstance(e, CandidateDone)]
        return sorted(done, key=lambda c: c.index)

    @staticmethod
    def _flush(row: int, st, visible: str, copies: int):
        """Stream what of `visible` the row has not streamed yet (`st.streamed` counts it), to
        each of the `copies` candidates the row stands for."""
        if len(visible) > st.streamed:
            delta = visible[st.streamed :]
            st.streamed = len(visible)
            yield from (TokenDelta(row + i, delta) for i in range(copies))
