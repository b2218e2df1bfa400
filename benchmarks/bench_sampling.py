"""Batched sampling with log-probs vs transformers' generate, on the default model.

Setup (issue 2): prompts of HumanEval/0-9, n=20, max_new_tokens=128, T=0.8, top_p=0.95, the
paper's stop strings, the same seeds, completion mode. Compared in one run:
  ours          Engine.generate: one prefill, rows leave the batch when they stop
  (a) hf        model.generate(num_return_sequences=20)
  (b) seq       20 sequential single-sample model.generate calls
  ours_modules  our engine through transformers' own forward (linears packed, not fused)
  ours_unpacked our engine on the fused path with linears not packed
  ours_1        our engine, n=1 (single stream)
(a) and (b) run on the model as transformers loads it, as plain transformers would. They sample
and stop by the same rules as ours and with the same random draws (SameDraws, CompletionStops),
so every method writes the same candidates up to rounding: the wall times compare the same work.
Tokens counted for every method are the real completion tokens, up to the stop string or EOS.

    .venv/bin/python benchmarks/bench_sampling.py [--quick] [--model NAME] [-n 20] [--methods ours,hf]
"""
from __future__ import annotations

import argparse
import platform
import time

import torch
from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

from core import loader
from core.engine import Engine
from core.params import CODEX_STOPS, SamplingParams
from core.problems import load_problems
from core.sampler import next_uniforms, nucleus_sample, row_generator
from core.stopping import find_stop, tokens_covering

MAX_NEW, TEMPERATURE, TOP_P = 128, 0.8, 0.95
METHODS = ("ours", "hf", "seq", "ours_modules", "ours_unpacked", "ours_1")


def completion(tokenizer, ids: list[int]) -> tuple[str, int]:
    """A generated row as the engine keeps it: its text up to the stop string or EOS, and the
    tokens that text takes."""
    if tokenizer.eos_token_id in ids:
        ids = ids[: ids.index(tokenizer.eos_token_id)]
    lengths = [len(tokenizer.decode(ids[: i + 1], skip_special_tokens=True)) for i in range(len(ids))]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    cut = find_stop(text, CODEX_STOPS)
    return (text, len(ids)) if cut is None else (text[:cut], tokens_covering(lengths, cut))


class SameDraws(LogitsProcessor):
    """generate draws each row's token as our engine does: from the model's raw logits, with the
    row's own uniforms (core.sampler.next_uniforms) through core.sampler.nucleus_sample. With the
    same seed, every method then writes the same candidates (up to the rounding of its forward
    pass), so they are timed on the same work rather than on different samples of it. generate
    still runs its own warpers and draw on what this returns; the time spent here is not counted."""

    def __init__(self, seed: int, rows: range):
        self.generators = [row_generator(seed, row) for row in rows]
        self.seconds = 0.0

    def __call__(self, input_ids, scores):
        started = time.perf_counter()
        uniforms = next_uniforms(self.generators)
        tokens, _ = nucleus_sample(scores, TEMPERATURE, 0, TOP_P, uniforms)
        forced = torch.full_like(scores, -torch.inf).scatter_(1, tokens.unsqueeze(1).to(scores.device), 0.0)
        self.seconds += time.perf_counter() - started
        return forced


class CompletionStops(StoppingCriteria):
    """The stop strings looked for in each row's completion, as our engine, bigcode's evaluation
    harness and evalplus do. generate's own `stop_strings` also match across the end of the
    prompt: after the docstring's closing newline, a completion that starts with `def` or `#`
    would stop at once (a comment at column 0 can still be followed by the body)."""

    def __init__(self, tokenizer, prompt_tokens: int):
        self.tokenizer, self.prompt_tokens = tokenizer, prompt_tokens

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_tokens:], skip_special_tokens=True)
        return torch.tensor([find_stop(t, CODEX_STOPS) is not None for t in texts], device=input_ids.device)


def run_hf(model, tok, prompt: str, seed: int, sequences: int, calls: int) -> tuple[float, list[str], int]:
    """Wall time (without SameDraws' own), each row's completion and their tokens."""
    inputs = tok(prompt, return_tensors="pt").to(model.device)
    prompt_tokens = inputs["input_ids"].shape[1]
    wall, rows = 0.0, []
    for call in range(calls):
        draws = SameDraws(seed, range(call, call + sequences))
        started = time.perf_counter()
        out = model.generate(
            **inputs, do_sample=True, temperature=TEMPERATURE, top_p=TOP_P, top_k=0, max_new_tokens=MAX_NEW,
            num_return_sequences=sequences, pad_token_id=tok.pad_token_id, logits_processor=LogitsProcessorList([draws]),
            stopping_criteria=StoppingCriteriaList([CompletionStops(tok, prompt_tokens)]),
        )
        wall += time.perf_counter() - started - draws.seconds
        rows += [completion(tok, ids) for ids in out[:, prompt_tokens:].tolist()]
    return wall, [text for text, _ in rows], sum(tokens for _, tokens in rows)


def run_ours(engine: Engine, prompt: str, seed: int, n: int) -> tuple[float, list[str], int]:
    started = time.perf_counter()
    cands = engine.generate(prompt, SamplingParams(n=n, temperature=TEMPERATURE, top_p=TOP_P, max_new_tokens=MAX_NEW,
                                                   seed=seed, mode="completion", top_alternatives=0))
    texts = [c.raw_text for c in sorted(cands, key=lambda c: c.index)]
    return time.perf_counter() - started, texts, sum(len(c.token_ids) for c in cands)


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
    parser.add_argument("--model", default="default", help="default, a catalogue name, a folder or a .gguf file")
    parser.add_argument("-n", type=int, default=20, help="candidates per prompt")
    parser.add_argument("--methods", default=",".join(METHODS), help="a subset of " + ",".join(METHODS))
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    if "ours" not in methods or not set(methods) <= set(METHODS):
        parser.error(f"--methods must include ours and name only {', '.join(METHODS)}")
    problems = list(load_problems().values())[: 2 if args.quick else 10]
    n = args.n

    def load(**how):
        return loader.load(args.model, progress=lambda _m: None, **how)

    engine = Engine(*load())
    modules = Engine(*load(fuse=False)) if "ours_modules" in methods else None
    unpacked = Engine(*load(pack_weights=False)) if "ours_unpacked" in methods else None
    plain, tok, plain_info = load(pack_weights=False, fuse=False)
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads; model: {engine.info.describe()}")
    for warm in (engine, modules, unpacked):
        if warm is not None:
            run_ours(warm, "def warm_up():\n", 0, 2)  # first-call allocations
    runs = {
        "hf": lambda prompt, seed: run_hf(plain.model, tok, prompt, seed, n, 1),
        "seq": lambda prompt, seed: run_hf(plain.model, tok, prompt, seed, 1, n),
        "ours_modules": lambda prompt, seed: run_ours(modules, prompt, seed, n),
        "ours_unpacked": lambda prompt, seed: run_ours(unpacked, prompt, seed, n),
        "ours_1": lambda prompt, seed: run_ours(engine, prompt, seed, 1),
    }
    totals = {name: [0.0, 0, 0] for name in methods}
    for seed, problem in enumerate(problems):
        prompt = problem["prompt"]
        ours = run_ours(engine, prompt, seed, n)
        for name, (wall, texts, tokens) in (
            ("ours", ours), *((name, runs[name](prompt, seed)) for name in methods if name != "ours")
        ):
            same = sum(a == b for a, b in zip(texts, ours[1]))  # row i against our row i
            for i, value in enumerate((wall, tokens, same)):
                totals[name][i] += value
            print(f"{problem['task_id']:14s} {name:13s} {wall:7.1f}s {tokens:5d} tokens {tokens / wall:6.1f} tok/s"
                  f" {same:2d}/{len(texts)} candidates as ours", flush=True)
    print("\nmethod         wall_s  tokens  tokens/s  candidates as ours")
    for name, (wall, tokens, same) in totals.items():
        print(f"{name:13s} {wall:7.1f} {tokens:7d} {tokens / wall:9.1f}  {same}")
    weight_bytes = plain_info.memory_bytes  # read once per step (the packed engine also holds a copy of the tied head)
    bandwidth = read_bandwidth_gbs()
    limit_ms = weight_bytes / (bandwidth * 1e9) * 1000
    print(f"\ndecode limit: {weight_bytes / 2**20:.0f} MiB of weights per step / {bandwidth:.1f} GB/s read bandwidth "
          f"= {limit_ms:.1f} ms/step (= {1000 / limit_ms:.0f} tok/s single stream)")
    figures = {"n": n, "ours_tok_s": f"{totals['ours'][1] / totals['ours'][0]:.1f}", "decode_limit_ms": f"{limit_ms:.1f}"}
    for name, label in (("hf", "ratio_vs_hf"), ("seq", "ratio_vs_sequential"), ("ours_modules", "fusion_speedup"),
                        ("ours_unpacked", "packing_speedup")):
        if name in totals:
            figures[label] = f"{totals[name][0] / totals['ours'][0]:.2f}"
    for name in ("hf", "seq"):
        if name in totals:
            figures[f"{name}_tok_s"] = f"{totals[name][1] / totals[name][0]:.1f}"
            figures[f"same_candidates_{name}"] = str(totals[name][2])
    if "ours_1" in totals:
        figures["single_stream_tok_s"] = f"{totals['ours_1'][1] / totals['ours_1'][0]:.1f}"
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
