"""How the engine runs a model: the fused path for Llama-family models, transformers' own forward
for every other architecture. Both offer the same five calls (prefill, step, logits, fan_out,
keep_rows) and give the same numbers up to rounding (tested); the fused one is faster
(BENCHMARKS.md)."""
from __future__ import annotations

from core import fused_llama, packed_linear
from core.fused_llama import FusedLlama
from core.hf_runner import HFRunner


def build(model, pack: bool = True, fuse: bool = True):
    """`pack`: pack linear weights where the CPU's bf16 kernels want it (core.packed_linear);
    `fuse`: use the fused path where the architecture allows. Either way the runner's
    `extra_bytes` is what it holds beyond the model's parameters."""
    pack = pack and packed_linear.available(model)
    if fuse and fused_llama.supports(model):
        return FusedLlama(model, pack)
    return HFRunner(model, pack)
