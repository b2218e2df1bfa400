"""Where the model runs: CUDA, then Apple MPS, then CPU, in the fastest precision each supports."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from transformers import PreTrainedModel

# On CPU a step is compute-bound past ~64 rows: bigger chunks gain nothing and delay the first
# finished candidates. On a GPU, memory is the only limit.
MAX_CHUNK = {"cpu": 64}
DEFAULT_MAX_CHUNK = 256


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@lru_cache(maxsize=1)
def _cpu_has_native_bf16() -> bool:
    # Without AVX512-BF16/AMX, bf16 matmuls on CPU are emulated and slower than float32.
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_dtype(device: torch.device) -> torch.dtype:
    forced = os.environ.get("CODESYNTH_DTYPE")
    if forced:
        dtype: torch.dtype = getattr(torch, forced)  # a dtype's name, e.g. "float16"
        return dtype
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16 if _cpu_has_native_bf16() else torch.float32


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device allocation failure, whatever backend raised it."""
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def free_memory_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    import psutil

    available: int = psutil.virtual_memory().available  # psutil ships no type hints
    return available


def release_cached_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()


def rows_that_fit_in_memory(model: PreTrainedModel, seq_len: int) -> int:
    """Rows of `seq_len` positions whose KV cache and logits fit in half the free memory."""
    cfg = model.config.get_text_config()
    heads = getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    itemsize = next(model.parameters()).element_size()
    kv = 2 * cfg.num_hidden_layers * heads * head_dim * seq_len * itemsize
    logits = 4 * cfg.vocab_size * 4  # float32 logits, log-probs, probs and a top-k copy
    device = model.device
    budget = free_memory_bytes(device) // 2
    return int(max(1, min(budget // (kv + logits), MAX_CHUNK.get(device.type, DEFAULT_MAX_CHUNK))))
