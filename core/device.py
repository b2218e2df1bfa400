"""Where the model runs: CUDA, then Apple MPS, then CPU, in the fastest precision each supports."""
from __future__ import annotations

import os
from functools import lru_cache

import torch


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
        return getattr(torch, forced)
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

    return psutil.virtual_memory().available


def release_cached_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
