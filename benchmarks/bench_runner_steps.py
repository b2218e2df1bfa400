"""One decoding step and one prompt read on each runner of a model (core.models.runner), at 1 to
20 rows: where llama.cpp's quantized kernels win and where torch's matrix products do (issue 22).

For each runner the model is loaded as the app loads it, a HumanEval chat prompt is read (the
median of 3 reads), then for each row count the rows are fanned out from it and fed 40 steps;
the median step after 2 warm-up steps is printed with the tokens per second it makes. Steps feed
fixed tokens, a different one to each row: a step's cost does not depend on which tokens they
are, but llama.cpp's runner feeds rows that wrote the same tokens once. No sampling is timed.

The last line: `<runner>_<rows>rows_ms=X` for each runner and row count, `<runner>_prompt_ms=X`,
and `crossover_rows=N`, the fewest rows at which torch's step makes more tokens per second than
llama.cpp's (`none` when it never does).

Usage: .venv/bin/python benchmarks/bench_runner_steps.py [--model default] [--rows 1,2,3,4,6,8,10,14,20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.evaluation.problems import load_problems
from core.modes import instruct
from core.sampling.engine import Engine

STEPS = 40
WARM_UP = 2
PROMPT_READS = 3


@torch.inference_mode()
def measure(engine: Engine, prompt_ids: list[int], rows_list: list[int]) -> tuple[float, dict[int, float]]:
    """The median prompt read and, per row count, the median step, in milliseconds."""
    runner = engine.runner
    reads = []
    for _ in range(PROMPT_READS):
        started = time.perf_counter()
        runner.logits(prompt_ids, start=len(prompt_ids) - 1)  # a fresh read: no saved prompt is used
        reads.append(time.perf_counter() - started)
    prefilled, _ = runner.prefill(prompt_ids, len(prompt_ids) + STEPS + 8)
    steps = {}
    for rows in rows_list:
        cache = runner.fan_out(prefilled, rows)
        # Each row its own token: rows fed the same ones would be fed once (twin rows, LlamaCppRunner.step).
        first = engine.tokenizer.convert_tokens_to_ids("def")
        times = []
        for step in range(STEPS):
            tokens = torch.arange(rows) + first + rows * step
            started = time.perf_counter()
            runner.step(cache, tokens)
            times.append(time.perf_counter() - started)
        del cache  # its sequences return to the runner before the next row count
        steps[rows] = 1e3 * statistics.median(times[WARM_UP:])
    return 1e3 * statistics.median(reads), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--rows", default="1,2,3,4,6,8,10,14,20")
    parser.add_argument("--runners", default="llama_cpp,torch")
    args = parser.parse_args()
    rows_list = [int(r) for r in args.rows.split(",")]
    prompt = load_problems()["HumanEval/0"]["prompt"]
    results: dict[str, tuple[float, dict[int, float]]] = {}
    for name in args.runners.split(","):
        engine = Engine.load(args.model, progress=lambda _m: None, runner=name)
        chat = instruct.chat_prompt(engine.tokenizer, prompt)
        ids = list(engine.tokenizer(chat, add_special_tokens=False)["input_ids"])  # as the engine reads it
        print(f"{name}: {engine.info.name}, {engine.info.dtype}, {torch.get_num_threads()} threads", flush=True)
        results[name] = measure(engine, ids, rows_list)
        prompt_ms, steps = results[name]
        print(f"  reading the {len(ids)}-token HumanEval/0 chat prompt: {prompt_ms:.0f} ms")
        for rows, ms in steps.items():
            print(f"  {rows:2d} rows: {ms:6.1f} ms a step, {rows / ms * 1e3:6.1f} tok/s", flush=True)
        del engine
    figures = [f"{name}_{rows}rows_ms={ms:.1f}" for name, (_, steps) in results.items() for rows, ms in steps.items()]
    figures += [f"{name}_prompt_ms={prompt_ms:.0f}" for name, (prompt_ms, _) in results.items()]
    if {"llama_cpp", "torch"} <= results.keys():
        faster = [r for r in rows_list if results["torch"][1][r] < results["llama_cpp"][1][r]]
        figures.append(f"crossover_rows={min(faster) if faster else 'none'}")
    print(" ".join(figures))


if __name__ == "__main__":
    main()
