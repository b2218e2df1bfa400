"""How the engine runs a model. Three runners offer the same calls and give the same numbers up
to rounding (tested):

- `FusedLlama`: a lean forward for Llama-family transformers models (the fastest torch path);
- `HFRunner`: transformers' own forward, for every other architecture;
- `LlamaCppRunner`: llama.cpp's kernels on the GGUF file a model came from, on a CPU (its weights
  stay quantized, so a step reads a fraction of the bytes: BENCHMARKS.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch

from core.models import fused_llama, packed_linear
from core.models.fused_llama import FusedLlama
from core.models.hf_runner import HFRunner

if TYPE_CHECKING:
    from transformers import GenerationConfig, PreTrainedModel, PreTrainedTokenizerBase

# Which runner `auto` may choose, overridable for comparisons (benchmarks) and diagnosis.
RUNNER_ENV = "CODESYNTH_RUNNER"
RUNNERS = ("auto", "torch", "llama_cpp")


class Runner(Protocol):
    """What core.sampling.sampler and core.sampling.engine call. A cache is the runner's own KV-cache object."""

    device: torch.device
    eos_ids: set[int]  # tokens that end a sample, from the model's own configuration
    speculative: bool  # offers extend() and rewind(), for checking guessed tokens in one pass

    @property
    def model(self) -> torch.nn.Module | None:  # the transformers model, where the runner has one
        ...

    @property
    def extra_bytes(self) -> int:  # memory held beyond the model's weights (packed copies, a KV cache)
        ...

    # A one-row cache holding `ids` (room for `capacity`), and the logits at the last `scored`
    # positions of `ids`, one row each (the next-token logits last).
    def prefill(self, ids: list[int], capacity: int, scored: int = 1) -> tuple[Any, torch.Tensor]: ...
    def step(self, cache: Any, tokens: torch.Tensor) -> torch.Tensor: ...
    def extend(self, cache: Any, ids: list[int]) -> torch.Tensor: ...
    def rewind(self, cache: Any, positions: int) -> None: ...
    def logits(self, ids: list[int], start: int = 0) -> torch.Tensor: ...
    def fan_out(self, prefilled: Any, rows: int) -> Any: ...
    def keep_rows(self, cache: Any, keep: torch.Tensor) -> None: ...
    def rows_that_fit(self, prompt_len: int, new_tokens: int) -> int: ...


def build(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, pack: bool = True, fuse: bool = True) -> Runner:
    """A torch runner for `model` (its end-of-sample tokens from `tokenizer` too). `pack`: pack linear weights where the CPU's bf16 kernels want it
    (core.models.packed_linear); `fuse`: use the fused path where the architecture allows. Either way the
    runner's `extra_bytes` is what it holds beyond the model's parameters."""
    pack = pack and packed_linear.available(model)
    eos = eos_ids(model.generation_config, tokenizer)
    if fuse and fused_llama.supports(model):
        return FusedLlama(model, pack, eos)
    return HFRunner(model, pack, eos)


def requested(choice: str | None = None) -> str:
    """The runner asked for: `choice`, else $CODESYNTH_RUNNER, else auto."""
    choice = choice or os.environ.get(RUNNER_ENV) or "auto"
    if choice not in RUNNERS:
        raise ValueError(f"unknown runner '{choice}': choose one of {', '.join(RUNNERS)}")
    return choice


def uses_llama_cpp(choice: str, device: torch.device, gguf: Path | None) -> bool:
    """`auto` takes llama.cpp on a CPU for a model that came from a GGUF file, when
    llama-cpp-python is installed: its quantized kernels are faster there at every batch size we
    measured on CPUs without native bf16, and at one row on those with it (BENCHMARKS.md).
    A GPU keeps the torch path, which holds the model resident in bf16."""
    from core.models import llama_cpp_runner

    if choice == "torch" or gguf is None:
        return False
    if choice == "llama_cpp":
        return True
    return device.type == "cpu" and llama_cpp_runner.available()


def eos_ids(config: GenerationConfig | None, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    """The tokens that end a sample: the generation config's (one id or several; `config` may be
    None) and the tokenizer's."""
    eos = config.eos_token_id if config else None
    eos = eos if isinstance(eos, list) else [eos]
    return {i for i in [*eos, tokenizer.eos_token_id] if i is not None}
