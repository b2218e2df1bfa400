"""Batched sampling with log-probs vs transformers' generate, on the default model.

Setup (issue 2): prompts of HumanEval/0-9, n=20, max_new_tokens=128, T=0.8, top_p=0.95, the
paper's stop strings, the same seeds, completion mode. Compared in one run:
  ours          Engine.generate: one prefill, rows leave the batch when they stop; on the runner
                the engine picks (core.models.runner: llama.cpp's kernels for a GGUF model on a CPU)
  ours_torch    the same engine on torch (fused path, packed linears): ours before the llama.cpp runner
  ours_torch_1  the same, n=1
  (a) hf        model.generate(num_return_sequences=20)
  (b) seq       20 sequential single-sample model.generate calls
  ours_modules  our torch engine through transformers' own forward (linears packed, not fused)
  ours_unpacked our torch engine on the fused path with linears not packed
  ours_1        our engine, n=1 (single stream)
  (c) llama_cpp             llama.cpp on the same GGUF, n sequential streams, raw log-probs
  (d) llama_cpp_nologprobs  the same without log-probs
      llama_cpp_1           one llama.cpp stream per prompt without log-probs (against ours_1)
      llama_cpp_api         llama-cpp-python's create_completion(logprobs=1), logits_all=True
                            (slow: not in the default methods)
  (e) ct2                   CTranslate2 int8, generate_batch with n hypotheses and scores
(a) and (b) run on the model as transformers loads it, as plain transformers would. They sample
and stop by the same rules as ours and with the same random draws (SameDraws, CompletionStops),
so every torch method writes the same candidates up to rounding ("candidates as ours"); on
llama.cpp's numbers ours writes others, so every ratio compares tokens per second.
Tokens counted for every method are the real completion tokens, up to the stop string or EOS.
The baselines (benchmarks/baselines_llama_cpp.py, benchmarks/baselines_ct2.py: how each is set up)
draw their own samples, so they are compared by tokens per second, not by wall time; every
baseline uses as many threads as ours (torch's, the machine's cores).

The last line: ratio_single_vs_llama_cpp (ours_1 against llama_cpp_1),
ratio_vs_llama_cpp, ratio_vs_llama_cpp_nologprobs, ratio_vs_ct2 (ours at n rows against each, in
tokens per second), ours_tok_s, bandwidth_fraction_1row (weight bytes read per second by ours_1's
decoding steps over the measured read bandwidth) and compute_fraction_<n>rows (2 FLOPs per matrix
weight per token at the rate of ours' decoding steps over a large matrix product's measured
FLOP/s); decoding steps exclude each prompt's prefill, timed as a 1-token run. The earlier
figures follow; `n/a` where a method did not run, with the reason printed above.

    .venv/bin/python benchmarks/bench_sampling.py [--quick] [--model NAME] [-n 20] [--methods ours,hf]
    # ct2 needs ctranslate2 (4.8.5, pinned in installer/pins.txt; for benchmarks only, not the app):
    .venv/bin/pip install -c installer/pins.txt ctranslate2
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch
from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import bandwidth, baselines_ct2, baselines_llama_cpp
from benchmarks.completion_rows import BaselineUnavailable, completion
from core.evaluation.problems import load_problems
from core.models import loader
from core.models.llama_cpp_runner import LlamaCppRunner
from core.sampling.engine import Engine
from core.sampling.params import CODEX_STOPS, SamplingParams
from core.sampling.sampler import next_uniforms, nucleus_sample, row_generator
from core.sampling.stopping import find_stop

MAX_NEW, TEMPERATURE, TOP_P = 128, 0.8, 0.95
BASELINES = baselines_llama_cpp.METHODS + baselines_ct2.METHODS
METHODS = ("ours", "hf", "seq", "ours_torch", "ours_torch_1", "ours_modules", "ours_unpacked", "ours_1", *BASELINES)
DEFAULT_METHODS = tuple(m for m in METHODS if m != "llama_cpp_api")


class SameDraws(LogitsProcessor):
    """generate draws each row's token as our engine does: from the model's raw logits, with the
    row's own uniforms (core.sampling.sampler.next_uniforms) through core.sampling.sampler.nucleus_sample. With the
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
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_tokens :], skip_special_tokens=True)
        return torch.tensor([find_stop(t, CODEX_STOPS) is not None for t in texts], device=input_ids.device)


def run_hf(
    model, tok, prompt: str, seed: int, sequences: int, calls: int, max_new: int
) -> tuple[float, list[str], int]:
    """Wall time (without SameDraws' own), each row's completion and their tokens."""
    inputs = tok(prompt, return_tensors="pt").to(model.device)
    prompt_tokens = inputs["input_ids"].shape[1]
    wall, rows = 0.0, []
    for call in range(calls):
        draws = SameDraws(seed, range(call, call + sequences))
        started = time.perf_counter()
        out = model.generate(
            **inputs,
            do_sample=True,
            temperature=TEMPERATURE,
            top_p=TOP_P,
            top_k=0,
            max_new_tokens=max_new,
            num_return_sequences=sequences,
            pad_token_id=tok.pad_token_id,
            logits_processor=LogitsProcessorList([draws]),
            stopping_criteria=StoppingCriteriaList([CompletionStops(tok, prompt_tokens)]),
        )
        wall += time.perf_counter() - started - draws.seconds
        rows += [completion(tok, ids) for ids in out[:, prompt_tokens:].tolist()]
    return wall, [text for text, _ in rows], sum(tokens for _, tokens in rows)


def run_ours(engine: Engine, prompt: str, seed: int, n: int, max_new: int = MAX_NEW) -> tuple[float, list[str], int]:
    started = time.perf_counter()
    cands = engine.generate(
        prompt,
        SamplingParams(
            n=n,
            temperature=TEMPERATURE,
            top_p=TOP_P,
            max_new_tokens=max_new,
            seed=seed,
            mode="completion",
            top_alternatives=0,
        ),
    )
    texts = [c.raw_text for c in sorted(cands, key=lambda c: c.index)]
    return time.perf_counter() - started, texts, sum(len(c.token_ids) for c in cands)


def load_baselines(methods: list[str], spec: str, engine: Engine, tok, context: int) -> tuple[dict, dict[str, str]]:
    """The baselines asked for that can run here, and for each that cannot, why."""
    ready, unavailable = {}, {}
    threads = torch.get_num_threads()
    makers = (
        (
            baselines_llama_cpp.METHODS,
            lambda: baselines_llama_cpp.LlamaCpp(
                baselines_llama_cpp.gguf_of(spec, engine.info.path), tok, engine.eos_ids, threads, context
            ),
        ),
        (
            baselines_ct2.METHODS,
            lambda: baselines_ct2.CTranslate2(Path(engine.info.path), tok, engine.eos_ids, threads),
        ),
    )
    for names, make in makers:
        wanted = [m for m in names if m in methods]
        if not wanted:
            continue
        try:
            baseline = make()
        except BaselineUnavailable as exc:
            unavailable.update(dict.fromkeys(wanted, str(exc)))
            continue
        ready.update(dict.fromkeys(wanted, baseline))
    return ready, unavailable


def tok_s(totals: dict, name: str) -> float | None:
    return totals[name][1] / totals[name][0] if name in totals and totals[name][0] else None


def ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}" if ours and theirs else "n/a"


def decode_rate(totals: dict, name: str, prefill_s: float, first_tokens: int) -> float | None:
    """Tokens per second of a method's decoding steps: its wall time less the prompts' prefill,
    its tokens less the first of each row (drawn from the prefill's logits). Steps that wrote
    stop-string tokens count as time but not as tokens, so this errs low."""
    if name not in totals:
        return None
    wall, tokens = totals[name][0] - prefill_s, totals[name][1] - first_tokens
    return tokens / wall if wall > 0 and tokens > 0 else None


def limit_figures(totals: dict, plain, weight_bytes: int, n: int, prefill_s: float, prompts: int) -> dict[str, str]:
    """Fractions of the machine's measured limits (benchmarks/bandwidth.py says what is measured)."""
    device = plain.model.device
    read_gbs, copy_gbs = bandwidth.read_bandwidth_gbs(device), bandwidth.copy_bandwidth_gbs(device)
    peak_gflops = bandwidth.matmul_gflops(device, plain.model.dtype)
    # Decoding a token does 2 FLOPs per weight of every matrix product (the head included);
    # attention over a context of a few hundred positions adds little and is left out.
    flops_per_token = 2 * sum(m.weight.numel() for m in plain.model.modules() if isinstance(m, torch.nn.Linear))
    limit_ms = weight_bytes / (read_gbs * 1e9) * 1000
    print(
        f"\ndecode limit: {weight_bytes / 2**20:.0f} MiB of weights per step / {read_gbs:.1f} GB/s read bandwidth "
        f"= {limit_ms:.1f} ms/step (= {1000 / limit_ms:.0f} tok/s single stream); copy bandwidth {copy_gbs:.1f} GB/s"
    )
    print(
        f"compute: {flops_per_token / 1e9:.2f} GFLOP per token; a 2048x2048 {plain.model.dtype} matrix product "
        f"runs at {peak_gflops:.1f} GFLOP/s (a proxy for peak compute)"
    )
    single = decode_rate(totals, "ours_1", prefill_s, prompts)
    batched = decode_rate(totals, "ours", prefill_s, n * prompts)
    print(
        f"prefill (1 row, 1 token) of the {prompts} prompts: {prefill_s:.1f} s; decoding steps only: "
        f"ours_1 {single or 0:.1f} tok/s, ours {batched or 0:.1f} tok/s"
        + ("" if single else "; bandwidth_fraction_1row: n/a, ours_1 was not run or wrote no tokens after its first")
    )
    return {
        "decode_limit_ms": f"{limit_ms:.1f}",
        "bandwidth_fraction_1row": f"{single * weight_bytes / (read_gbs * 1e9):.2f}" if single else "n/a",
        f"compute_fraction_{n}rows": f"{batched * flops_per_token / (peak_gflops * 1e9):.2f}" if batched else "n/a",
        "read_bandwidth_gbs": f"{read_gbs:.1f}",
        "matmul_gflops": f"{peak_gflops:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2 prompts instead of 10")
    parser.add_argument("--problems", type=int, default=None, help="the first N prompts (overrides --quick)")
    parser.add_argument("--model", default="default", help="default, a catalogue name, a folder or a .gguf file")
    parser.add_argument("-n", type=int, default=20, help="candidates per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=MAX_NEW, help="new tokens per candidate at most")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS), help="a subset of " + ",".join(METHODS))
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    if "ours" not in methods or not set(methods) <= set(METHODS):
        parser.error(f"--methods must include ours and name only {', '.join(METHODS)}")
    problems = list(load_problems().values())[: args.problems or (2 if args.quick else 10)]
    n, max_new = args.n, args.max_new_tokens

    def load(**how):
        return loader.load(args.model, progress=lambda _m: None, **how)

    engine = Engine(*load())
    on_torch = Engine(*load(runner="torch")) if {"ours_torch", "ours_torch_1"} & set(methods) else None
    modules = Engine(*load(fuse=False, runner="torch")) if "ours_modules" in methods else None
    unpacked = Engine(*load(pack_weights=False, runner="torch")) if "ours_unpacked" in methods else None
    plain, tok, plain_info = load(pack_weights=False, fuse=False, runner="torch")
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads; model: {engine.info.describe()}"
    )
    context = max(len(tok(p["prompt"]).input_ids) for p in problems) + max_new + 8
    baselines, unavailable = load_baselines(methods, args.model, engine, tok, context)
    for name, reason in unavailable.items():
        print(f"{name}: n/a, {reason}")
    methods = [m for m in methods if m not in unavailable]
    for warm in (engine, on_torch, modules, unpacked):
        if warm is not None:
            run_ours(warm, "def warm_up():\n", 0, 2)  # first-call allocations
    sampling = SamplingParams(n=n, temperature=TEMPERATURE, top_p=TOP_P, max_new_tokens=max_new)
    for name, baseline in baselines.items():
        baseline.run(name, "def warm_up():\n", 0, SamplingParams(n=1, max_new_tokens=2))  # loads, first calls
    runs = {
        "hf": lambda prompt, seed: run_hf(plain.model, tok, prompt, seed, n, 1, max_new),
        "seq": lambda prompt, seed: run_hf(plain.model, tok, prompt, seed, 1, n, max_new),
        "ours_torch": lambda prompt, seed: run_ours(on_torch, prompt, seed, n, max_new),
        "ours_torch_1": lambda prompt, seed: run_ours(on_torch, prompt, seed, 1, max_new),
        "ours_modules": lambda prompt, seed: run_ours(modules, prompt, seed, n, max_new),
        "ours_unpacked": lambda prompt, seed: run_ours(unpacked, prompt, seed, n, max_new),
        "ours_1": lambda prompt, seed: run_ours(engine, prompt, seed, 1, max_new),
        **{
            name: (lambda prompt, seed, name=name: baselines[name].run(name, prompt, seed, sampling))
            for name in baselines
        },
    }
    totals = {name: [0.0, 0, 0] for name in methods}
    for seed, problem in enumerate(problems):
        prompt = problem["prompt"]
        ours = run_ours(engine, prompt, seed, n, max_new)
        for name, (wall, texts, tokens) in (
            ("ours", ours),
            *((name, runs[name](prompt, seed)) for name in methods if name != "ours"),
        ):
            same = sum(a == b for a, b in zip(texts, ours[1]))  # row i against our row i
            for i, value in enumerate((wall, tokens, same)):
                totals[name][i] += value
            shared = "(own draws)" if name in BASELINES else f"{same:2d}/{len(texts)} candidates as ours"
            print(
                f"{problem['task_id']:14s} {name:20s} {wall:7.1f}s {tokens:5d} tokens {tokens / wall:6.1f} tok/s {shared}",
                flush=True,
            )
    print("\nmethod                wall_s  tokens  tokens/s  candidates as ours")
    for name, (wall, tokens, same) in totals.items():
        print(f"{name:20s} {wall:7.1f} {tokens:7d} {tokens / wall:9.1f}  {'-' if name in BASELINES else same}")
    # Read once per step: the GGUF's tensors on llama.cpp, the model's parameters on torch (the
    # packed engine also holds a copy of the tied head).
    weight_bytes = engine.runner.weight_bytes if isinstance(engine.runner, LlamaCppRunner) else plain_info.memory_bytes
    prefill_s = sum(run_ours(engine, p["prompt"], seed, 1, 1)[0] for seed, p in enumerate(problems))
    limits = limit_figures(totals, plain, weight_bytes, n, prefill_s, len(problems))
    ours_tok_s = tok_s(totals, "ours")
    for name in ("ours_1", *BASELINES):
        if name not in totals and name not in unavailable:
            print(f"{name}: n/a, not among --methods")
    figures = {
        "n": n,
        "ratio_single_vs_llama_cpp": ratio(tok_s(totals, "ours_1"), tok_s(totals, "llama_cpp_1")),
        "ratio_vs_llama_cpp": ratio(ours_tok_s, tok_s(totals, "llama_cpp")),
        "ratio_vs_llama_cpp_nologprobs": ratio(ours_tok_s, tok_s(totals, "llama_cpp_nologprobs")),
        "ratio_vs_ct2": ratio(ours_tok_s, tok_s(totals, "ct2")),
        "ours_tok_s": f"{ours_tok_s:.1f}",
        "bandwidth_fraction_1row": limits.pop("bandwidth_fraction_1row"),
        f"compute_fraction_{n}rows": limits.pop(f"compute_fraction_{n}rows"),
        **limits,
    }
    if "llama_cpp_api" in totals:
        figures["ratio_vs_llama_cpp_api"] = ratio(ours_tok_s, tok_s(totals, "llama_cpp_api"))
    torch_tok_s = tok_s(totals, "ours_torch") if "ours_torch" in totals else ours_tok_s  # ours, where it ran on torch
    for name, label, base in (
        ("hf", "ratio_vs_hf", ours_tok_s),
        ("seq", "ratio_vs_sequential", ours_tok_s),
        ("ours_modules", "fusion_speedup", torch_tok_s),
        ("ours_unpacked", "packing_speedup", torch_tok_s),
    ):
        if name in totals:
            figures[label] = ratio(base, tok_s(totals, name))
    if "ours_torch" in totals:
        figures["ratio_vs_torch"] = ratio(ours_tok_s, tok_s(totals, "ours_torch"))
    if "ours_torch_1" in totals:
        figures["ratio_single_vs_torch"] = ratio(tok_s(totals, "ours_1"), tok_s(totals, "ours_torch_1"))
    for name in ("hf", "seq"):
        if name in totals:
            figures[f"{name}_tok_s"] = f"{totals[name][1] / totals[name][0]:.1f}"
            figures[f"same_candidates_{name}"] = str(totals[name][2])
    if "ours_1" in totals:
        figures["single_stream_tok_s"] = f"{totals['ours_1'][1] / totals['ours_1'][0]:.1f}"
    for name in BASELINES:
        if name in totals:
            figures[f"{name}_tok_s"] = f"{tok_s(totals, name):.1f}"
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
