"""The Sampling lab's Demo preset, timed end to end.

What it measures: the wall time of the DEMO sweep (core.evaluation.sweep.DEMO: 5 temperatures x 10 samples,
96 new tokens) on the first lab example (resources/examples/lab.json), with the default model on
the CPU, through the job the app runs in its engine process (core/host/jobs/sweep_job.py):
sampling, tests in one sandbox worker, and the four figures drawn as PNGs. The other sampling
settings are SamplingParams' defaults, which are the Parameters dock's. Loading the model is not
counted; starting the sandbox worker is, as the app's first sweep starts it. The goal: under
2 minutes on a 2-core CPU.

    .venv/bin/python benchmarks/bench_lab_demo.py [--quick]

Prints each temperature's progress as it happens, the per-temperature numbers, and last
`demo_wall_s=X`. --quick runs a tiny sweep (2 temperatures x 3 samples, 32 tokens) to check
that the script works.
"""

from __future__ import annotations

import argparse
import threading
import time

from core.evaluation.sweep import DEMO, Sweep
from core.host.jobs import sweep_job
from core.modes.example_library import load_library
from core.sampling.engine import Engine
from core.sampling.params import SamplingParams
from sandbox import SandboxPool

QUICK = {"temperatures": (0.2, 1.0), "n": 3, "max_new_tokens": 32}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny sweep, to check the script works")
    args = parser.parse_args()
    settings = QUICK if args.quick else DEMO
    example = next(entry for entry in load_library() if entry.kind == "lab")
    engine = Engine.load("default", progress=lambda _msg: None)
    print(
        f"model {engine.info.name} on {engine.info.device}; {example.id}; {len(settings['temperatures'])} "
        f"temperatures x {settings['n']} samples, {settings['max_new_tokens']} new tokens"
    )
    params = SamplingParams(max_new_tokens=settings["max_new_tokens"])
    pools: list[SandboxPool] = []

    def pool() -> SandboxPool:  # as the engine process does: the job starts it
        if not pools:
            pools.append(SandboxPool(workers=1))
        return pools[0]

    started = time.perf_counter()
    reported: set[tuple[float, str]] = set()
    sweep = Sweep(tuple(settings["temperatures"]), settings["n"])
    figures: dict[str, bytes] = {}
    for update in sweep_job.run(
        engine,
        pool,
        threading.Event(),
        prompt=example.prompt,
        tests=example.tests,
        entry_point=example.entry_point,
        temperatures=settings["temperatures"],
        n=settings["n"],
        params=params,
    ):
        for sample in update.samples:  # as the lab's tab does: each update holds only what changed
            sweep.record(sample)
        figures.update(update.figures)
        for row in sweep.table():
            for what in ("sampled", "tested"):
                if getattr(row, what) == settings["n"] and (row.temperature, what) not in reported:
                    reported.add((row.temperature, what))
                    print(
                        f"  {time.perf_counter() - started:6.1f} s  T={row.temperature:g}: {settings['n']} {what}",
                        flush=True,
                    )
    wall = time.perf_counter() - started
    pools[0].close()
    n = settings["n"]
    for row in sweep.table():
        print(
            f"T={row.temperature:g}: {row.passed}/{row.tested} passed, "
            f"pass@1={100 * (row.pass_at_1 or 0):.0f}%, pass@{n}={100 * (row.pass_at_n or 0):.0f}%, "
            f"{row.distinct} distinct programs"
        )
    print(f"figures: {', '.join(f'{name} {len(png) // 1024} KiB' for name, png in figures.items())}")
    print(f"demo_wall_s={wall:.1f}")


if __name__ == "__main__":
    main()
