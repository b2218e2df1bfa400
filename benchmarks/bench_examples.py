"""From examples, as a non-programmer uses it: for every examples-only task shipped in
resources/examples, derive the prompt and tests from the table, sample n functions, test each in
the sandbox, and count the tasks whose best-ranked candidate gets every example right.

    .venv/bin/python benchmarks/bench_examples.py [--model default] [-n 10] [--temperature 0.8]

The defaults are those of `codesynth from-examples` and the app's From examples tab.

The last line is machine-readable: `solved=S tasks=T rate=R seconds=X`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from core.backend import open_backend
    from core.example_library import load_library
    from core.examples import best_first, build_spec, example_verdicts, explain
    from core.params import SamplingParams
    from sandbox import Program, SandboxPool

    tasks = [e for e in load_library() if e.kind == "examples"]
    engine = open_backend(args.model, None, progress=lambda _m: None)
    params = SamplingParams(n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens,
                            seed=args.seed).validated()
    solved, started = 0, time.perf_counter()
    print(f"model: {engine.info.describe()}; n={args.n}, T={args.temperature}")
    with SandboxPool() as pool:
        for task in tasks:
            header, rows = task.table
            spec = build_spec(header, rows, task.description)
            candidates = engine.generate(spec.prompt, params)
            futures = [pool.submit(Program(spec.prompt, c.text, spec.tests, spec.name)) for c in candidates]
            verdicts = [example_verdicts(spec, f.result().cases) for f in futures]
            best = best_first(verdicts, [c.mean_logprob for c in candidates], [c.degenerate for c in candidates])[0]
            ok = verdicts[best] is not None and all(v is None for v in verdicts[best])
            solved += ok
            right = sum(v is not None and all(x is None for x in v) for v in verdicts)
            print(f"{'SOLVED' if ok else 'failed'}  {task.id:28s} best: {explain(spec, verdicts[best])}; "
                  f"{right} of {len(candidates)} candidates get every example right")
    seconds = time.perf_counter() - started
    print(f"solved={solved} tasks={len(tasks)} rate={solved / len(tasks):.2f} seconds={seconds:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
