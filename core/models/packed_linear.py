"""bf16 linear layers with their weights pre-packed for oneDNN, for CPU inference.

`torch.nn.functional.linear` in bf16 on a CPU hands the weight to oneDNN, which re-lays it out
into its blocked format on every call. Decoding calls each of a small model's ~200 linears once
per token, so that reorder costs as much as the product itself at batch 1. Packing once at load
time keeps the same kernel and the same arithmetic (results are bit-identical, tested) and
makes decoding the default model 1.2-1.3x faster (BENCHMARKS.md). torch.compile's freezing pass
does the same with these ops; we do it without compiling, which took 1.5-2 minutes per batch
size here and made batched steps slower.
"""

from __future__ import annotations

import torch


def available(model: torch.nn.Module) -> bool:
    """Packing pays for bf16 models on a CPU whose oneDNN has native bf16 kernels."""
    try:
        first = next(model.parameters())
    except StopIteration:
        return False
    return (
        first.device.type == "cpu"
        and first.dtype == torch.bfloat16
        and torch.backends.mkldnn.is_available()  # type: ignore[no-untyped-call]  # unannotated in torch
        and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


class PackedLinear(torch.nn.Module):
    """An inference-only linear layer (`x @ weight.T + bias`); its weight is no longer a Parameter."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None):
        super().__init__()
        self.out_features, self.in_features = weight.shape
        # The batch-size hint only picks a blocking; any batch size runs on the packed weight.
        self.packed = torch.ops.mkldnn._reorder_linear_weight(weight.detach(), 1)
        self.bias = None if bias is None else bias.detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat: torch.Tensor = torch.ops.mkldnn._linear_pointwise(  # torch.ops are typed Any
            x.reshape(-1, self.in_features), self.packed, self.bias, "none", [], ""
        )
        return flat.view(*x.shape[:-1], self.out_features)


def pack_linears(model: torch.nn.Module) -> int:
    """Replace every `nn.Linear` in `model` by a PackedLinear. Returns the bytes this adds: a
    weight shared with another module (a tied output head and input embedding) is packed as a
    copy, and the other module keeps the original."""
    weights = {}
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is torch.nn.Linear:
                weights[child.weight.data_ptr()] = child.weight.numel() * child.weight.element_size()
                setattr(parent, name, PackedLinear(child.weight, child.bias))
    return sum(weights.get(p.data_ptr(), 0) for p in model.parameters())
