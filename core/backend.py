"""The one interface the GUI, the CLI, eval and the sampling lab sample through, and `open_backend`,
which picks its implementation: the local transformers engine, or a remote OpenAI-compatible
server (vLLM, llama.cpp) for models that outgrow the workstation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from core.candidate import Candidate, CandidateDone, TokenDelta
from core.engine import Engine
from core.loader import ModelInfo
from core.model_spec import is_server_url
from core.params import InvalidParams, SamplingParams
from core.remote import RemoteBackend


@runtime_checkable
class Backend(Protocol):
    @property
    def info(self) -> ModelInfo:
        """Read-only here, so that a backend may hold a subclass (RemoteInfo)."""

    def resolve_mode(self, mode: str) -> str:
        """ "auto" -> "instruct" or "completion"; raises InvalidParams for instruct without a chat template."""

    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        """Live events; setting `cancel` finishes every open candidate with finish_reason "cancelled"."""

    def generate(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> list[Candidate]:
        """The finished candidates, by index."""

    def score(self, context: str, continuation: str) -> list[float]:
        """Log-prob of each token of `continuation` after `context` (teacher-forced)."""


def open_backend(
    spec: str, served_model: str | None = None, progress: Callable[[str], None] = print, max_in_flight: int = 4
) -> Backend:
    """ "default", an HF folder or a .gguf file: the local engine. An http(s):// URL (usually ending
    in /v1): a server, connected and probed now, so a wrong address or key fails here."""
    if is_server_url(spec):
        return RemoteBackend.connect(spec, served_model, progress, max_in_flight=max_in_flight)
    if served_model is not None:
        raise InvalidParams("--served-model applies only to a server URL (--model http://host:port/v1)")
    return Engine.load(spec, progress)
