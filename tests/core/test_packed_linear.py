"""Packed bf16 linears must change speed only: the same logits, bit for bit, at every batch size."""

import pytest
import torch

from core.evaluation.problems import load_problems
from core.models import catalogue, loader, packed_linear

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(
        not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="this CPU has no native bf16 kernels to pack for"
    ),
]


def load(**how):
    # Through transformers' own forward (not fused), where packing replaces each nn.Linear; on torch,
    # which a GGUF model does not run on by default on a CPU (core.models.runner).
    return loader.load(catalogue.SMALL, progress=lambda _m: None, fuse=False, runner="torch", **how)


@pytest.fixture(scope="module")
def plain_and_packed():
    plain, tok, _ = load(pack_weights=False)
    packed, _, _ = load()
    return plain.model, packed.model, tok


def test_every_linear_is_packed(plain_and_packed):
    plain, packed, _ = plain_and_packed
    _, _, plain_info = load(pack_weights=False)
    _, _, packed_info = load()
    _, _, fused_info = loader.load(catalogue.SMALL, progress=lambda _m: None, runner="torch")
    head = plain.lm_head.weight
    # The head is tied to the input embedding, which keeps the original: its packed copy is extra memory.
    assert head.data_ptr() == plain.get_input_embeddings().weight.data_ptr()
    assert packed_info.memory_bytes == plain_info.memory_bytes + head.numel() * head.element_size()
    assert fused_info.memory_bytes == packed_info.memory_bytes  # the fused path packs the same weights, merged
    assert packed_info.n_params == plain_info.n_params
    linears = sum(type(m) is torch.nn.Linear for m in plain.modules())
    assert linears == 30 * 7 + 1  # q, k, v, o, gate, up, down per layer, and the output head
    assert not any(type(m) is torch.nn.Linear for m in packed.modules())
    assert sum(type(m) is packed_linear.PackedLinear for m in packed.modules()) == linears


@torch.inference_mode()
def test_packed_logits_equal_plain_transformers(plain_and_packed):
    plain, packed, tok = plain_and_packed
    ids = torch.tensor([tok(load_problems()["HumanEval/0"]["prompt"]).input_ids])
    assert torch.equal(plain(ids).logits, packed(ids).logits)


@torch.inference_mode()
def test_packed_rows_do_not_depend_on_batch_size(plain_and_packed):
    _, packed, tok = plain_and_packed
    rows = [tok(text).input_ids[:4] for text in ("def add(a, b):", "import os\nimport sys", "class Stack(list):")]
    assert all(len(row) == 4 for row in rows)
    batch = packed(torch.tensor(rows)).logits
    for i, row in enumerate(rows):
        assert torch.equal(packed(torch.tensor([row])).logits[0], batch[i])


def test_float32_models_are_left_alone(tiny_engine):
    assert not packed_linear.available(tiny_engine.model)
    assert not any(isinstance(m, packed_linear.PackedLinear) for m in tiny_engine.model.modules())
