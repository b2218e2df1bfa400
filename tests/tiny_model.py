"""Tiny random models with a byte-level BPE tokenizer trained on a few stdlib files: real
transformers models that load and sample in well under a second, for fast tests. GPT-2 runs
through transformers' own forward; the Llama-family ones through core.models.fused_llama."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|endoftext|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_tiny_model(folder: Path, chat: bool = False, seed: int = 0, architecture: str = "gpt2") -> Path:
    """`architecture`: gpt2, llama, qwen2 (attention biases) or mistral (a sliding window)."""
    import ast
    import textwrap
    import unittest

    import torch
    import transformers
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    corpus = [inspect.getsource(m) for m in (ast, textwrap, unittest, json)]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=1000, min_frequency=2, special_tokens=["<|endoftext|>"])
    tokenizer = GPT2TokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>")
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    special = dict(bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    if architecture == "gpt2":
        config = transformers.GPT2Config(
            vocab_size=len(tokenizer), n_positions=1024, n_embd=64, n_layer=2, n_head=2, **special
        )
    else:
        # Grouped-query attention (4 query heads share 2 KV heads), as in the default model; the
        # Qwen2 one has its own output head, the others tie it to the input embedding.
        config = transformers.AutoConfig.for_model(
            architecture,
            vocab_size=len(tokenizer),
            hidden_size=64,
            intermediate_size=96,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=1024,
            tie_word_embeddings=architecture != "qwen2",
            **special,
            **({"sliding_window": 16} if architecture == "mistral" else {}),
        )
    model = transformers.AutoModelForCausalLM.from_config(config)
    if architecture != "gpt2":
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith("bias"):  # transformers starts them at zero, which would test nothing
                    param.normal_(std=0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
