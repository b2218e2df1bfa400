"""Batched sampling with log-probs vs transformers' generate, on the default model.

Setup (issue 2): prompts of HumanEval/0-9, n=20, max_new_tokens=128, T=0.8, top_p=0.95, the
paper's stop strings, the same seeds, completion mode. Compared in one run:
  ours          Engine.generate: one prefill, rows leave the batch when they stop
  (a) hf        model.generate(num_return_sequences=20, stop_strings=...)
  (b) seq       20 sequential single-sample model.generate calls
  ours_modules  our engine through transformers' own forward (linears packed, not fused)
  ours_unpacked our engine on the fused path with linears not packed
  ours_1        our engine, n=1 (single stream)
(a) and (b) run on the model as transformers loads it, as plain transformers would.
Tokens counted for every method are the real completion tokens, up to the stop string or EOS.

    .venv/bin/python benchmarks/bench_sampling.py [--quick]
"""
from __future__ import annotations

import argparse
import platform
import time

import torch

from core import loader
from core.engine import Engine
from core.params import CODEX_STOPS, SamplingParams
from core.problems import load_problems
from core.stopping import find_stop, tokens_covering

N, MAX_NEW, TEMPERATURE, TOP_P = 20, 128, 0.8, 0.95


def real_tokens(tokenizer, rows: list[list[int]]) -> int:
    """Tokens of each row up to its stop string or EOS, as the engine keeps them."""
    total = 0
    for ids in rows:
        ids = [t for t in ids if t != tokenizer.pad_token_id]
        if tokenizer.eos_token_id in ids:
            ids = ids[: ids.index(tokenizer.eos_token_id)]
        lengths = [len(tokenizer.decode(ids[: i + 1], skip_special_tokens=True)) for i in range(len(ids))]
        text = tokenizer.decode(ids, skip_special_tokens=True)
        cut = find_stop(text, CODEX_STOPS)
        total += tokens_covering(lengths, cut) if cut is not None else len(ids)
    return total


def run_hf(model, tok, prompt: str, seed: int, sequences: int, calls: int) -> tuple[float, int]:
    inputs = tok(prompt, return_tensors="pt").to(model.device)
    started, produced = time.perf_counter(), 0
    for call in range(calls):
        torch.manual_seed(seed * 1000 + call)
        out = model.generate(
            **inputs, do_sample=True, temperature=TEMPERATURE, top_p=TOP_P, max_new_tokens=MAX_NEW,
            num_return_sequences=sequences, stop_strings=list(CODEX_STOPS), tokenizer=tok, pad_token_id=tok.pad_token_id,
        )
        produced += real_tokens(tok, out[:, inputs["input_ids"].shape[1]:].tolist())
    return time.perf_counter() - started, produced


def run_ours(engine: Engine, prompt: str, seed: int, n: int) -> tuple[float, int]:
    started = time.perf_counter()
    cands = engine.generate(prompt, SamplingParams(n=n, temperature=TEMPERATURE, top_p=TOP_P, max_new_tokens=MAX_NEW,
                                                   seed=seed, mode="completion", top_alternatives=0))
    return time.perf_counter() - started, sum(len(c.token_ids) for c in cands)


def read_bandwidth_gbs() -> float:
    buf = torch.ones(512 * 2**20 // 4, dtype=torch.float32)
    buf.sum()
    started = time.perf_counter()
    for _ in range(5):
        buf.sum()
    return 5 * buf.numel() * 4 / (time.perf_counter() - started) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 prompts instead of 10")
    args = parser.parse_args()
    problems = list(load_problems().values())[: 2 if args.quick else 10]
    def load(**how):
        return loader.load("default", progress=lambda _m: None, **how)

    engine = Engine(*load())
    modules = Engine(*load(fuse=False))
    unpacked = Engine(*load(pack_weights=False))
    plain, tok, plain_info = load(pack_weights=False, fuse=False)
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads; model: {engine.info.describe()}")
    for warm in (engine, modules, unpacked):
        run_ours(warm, "def warm_up():\n", 0, 2)  # first-call allocations
    totals = {name: [0.0, 0] for name in ("ours", "hf", "seq", "ours_modules", "ours_unpacked", "ours_1")}
    for seed, problem in enumerate(problems):
        prompt = problem["prompt"]
        for name, result in (
            ("ours", run_ours(engine, prompt, seed, N)),
            ("hf", run_hf(plain.model, tok, prompt, seed, N, 1)),
            ("seq", run_hf(plain.model, tok, prompt, seed, 1, N)),
            ("ours_modules", run_ours(modules, prompt, seed, N)),
            ("ours_unpacked", run_ours(unpacked, prompt, seed, N)),
            ("ours_1", run_ours(engine, prompt, seed, 1)),
        ):
            totals[name][0] += result[0]
            totals[name][1] += result[1]
            print(f"{problem['task_id']:14s} {name:13s} {result[0]:7.1f}s {result[1]:5d} tokens {result[1] / result[0]:6.1f} tok/s", flush=True)
    print("\nmethod         wall_s  tokens  tokens/s")
    for name, (wall, tokens) in totals.items():
        print(f"{name:13s} {wall:7.1f} {tokens:7d} {tokens / wall:9.1f}")
    weight_bytes = plain_info.memory_bytes  # read once per step (the packed engine also holds a copy of the tied head)
    bandwidth = read_bandwidth_gbs()
    limit_ms = weight_bytes / (bandwidth * 1e9) * 1000
    single = totals["ours_1"][1] / totals["ours_1"][0]
    print(f"\ndecode limit: {weight_bytes / 2**20:.0f} MiB of weights per step / {bandwidth:.1f} GB/s read bandwidth "
          f"= {limit_ms:.1f} ms/step (= {1000 / limit_ms:.0f} tok/s single stream); measured single stream {1000 / single:.1f} ms/token")
    ratio_hf = totals["hf"][0] / totals["ours"][0]
    ratio_seq = totals["seq"][0] / totals["ours"][0]
    print(f"ratio_vs_hf={ratio_hf:.2f} ratio_vs_sequential={ratio_seq:.2f} "
          f"fusion_speedup={totals['ours_modules'][0] / totals['ours'][0]:.2f} "
          f"packing_speedup={totals['ours_unpacked'][0] / totals['ours'][0]:.2f} "
          f"ours_tok_s={totals['ours'][1] / totals['ours'][0]:.1f} hf_tok_s={totals['hf'][1] / totals['hf'][0]:.1f} "
          f"seq_tok_s={totals['seq'][1] / totals['seq'][0]:.1f} single_stream_tok_s={single:.1f} decode_limit_ms={limit_ms:.1f}")


if __name__ == "__main__":
    main()
