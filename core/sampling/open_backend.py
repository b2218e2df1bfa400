"""`open_backend`: which implementation of the sampling interface (core.sampling.interface's
`Backend`) a model spec names: the local transformers engine, or a remote OpenAI-compatible server
(vLLM, llama.cpp) for models that outgrow the workstation."""

from __future__ import annotations

from collections.abc import Callable

from core.models.spec import is_server_url
from core.remote.backend import RemoteBackend
from core.sampling.engine import Engine
from core.sampling.interface import Backend, Capabilities
from core.sampling.params import InvalidParams

__all__ = ["Backend", "Capabilities", "open_backend"]


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
