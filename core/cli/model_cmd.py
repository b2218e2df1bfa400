"""`codesynth model install-default | list | info`."""
from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("model", help="install, list and describe models")
    msub = p.add_subparsers(dest="model_command", required=True)
    inst = msub.add_parser("install-default", help="convert the embedded SmolLM2-135M-Instruct GGUF to a bf16 folder")
    inst.set_defaults(func=_install_default)
    ls = msub.add_parser("list", help="the default model, converted GGUFs, and models in --dir folders")
    ls.add_argument("--dir", action="append", type=Path, default=[], help="also list HF folders and GGUF files here")
    ls.set_defaults(func=_list)
    info = msub.add_parser("info", help="load a model and show device, dtype, parameters and memory")
    info.add_argument("--model", default="default", help="default | HF folder | .gguf file")
    info.set_defaults(func=_info)


def _progress(started: float):
    return lambda msg: print(f"[{time.perf_counter() - started:5.1f}s] {msg}", file=sys.stderr, flush=True)


def _install_default(args) -> int:
    from core import model_store
    from core.engine import Engine
    from core.params import SamplingParams

    started = time.perf_counter()
    progress = _progress(started)
    folder = model_store.install_default(progress)
    progress("verifying: loading the model and generating a few tokens")
    engine = Engine.load(str(folder), progress)
    [cand] = engine.generate("def add(a, b):\n", SamplingParams(n=1, temperature=0, max_new_tokens=8, mode="completion"))
    if not cand.token_ids:
        raise RuntimeError("the converted model generated no tokens")
    progress(f"ok: {engine.info.describe()}; sample {cand.raw_text!r}")
    print(folder)
    return 0


def _list(args) -> int:
    from core import model_store

    for d in args.dir:
        if not d.is_dir():
            from core.cli.errors import UserError

            raise UserError(f"not a folder: {d}")
    from core.device import pick_device, pick_dtype

    models = model_store.local_models(args.dir)
    if not models:
        print("no models installed; run: codesynth model install-default")
        return 0
    device = pick_device()
    print(f"models load on {device.type} in {str(pick_dtype(device)).removeprefix('torch.')}")
    print(f"{'name':34s} {'kind':9s} {'params':>8s} {'stored as':>9s} {'size':>9s}  path")
    for path in models:
        kind = "gguf" if path.suffix == ".gguf" else "hf-folder"
        label = "default" if path == model_store.default_model_dir() else path.name
        d = model_store.describe(path)
        print(f"{label[:34]:34s} {kind:9s} {d['n_params'] / 1e6:7.0f}M {d['dtype']:>9s} {d['bytes'] / 2**20:6.0f} MiB  {path}")
    return 0


def _info(args) -> int:
    from core.engine import Engine

    info = Engine.load(args.model, _progress(time.perf_counter())).info
    for key, value in info.__dict__.items():
        print(f"{key:18s} {value}")
    return 0
