"""`codesynth model install NAME | install-default | list | info`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands

MIB = 2**20
GIB = 2**30


def register(sub: Subcommands) -> None:
    p = sub.add_parser("model", help="install, list and describe models")
    msub = p.add_subparsers(dest="model_command", required=True)
    inst = msub.add_parser("install", help="download, verify and convert a catalogue model (see `model list`)")
    inst.add_argument("name", help="a catalogue name, e.g. qwen2.5-coder-1.5b-instruct")
    inst.set_defaults(func=_install)
    default = msub.add_parser("install-default", help="install the default model (Qwen2.5-Coder-0.5B-Instruct)")
    default.set_defaults(func=_install, name="default")
    ls = msub.add_parser("list", help="catalogue models (installed or not), converted GGUFs, and models in --dir")
    ls.add_argument("--dir", action="append", type=Path, default=[], help="also list HF folders and GGUF files here")
    ls.set_defaults(func=_list)
    info = msub.add_parser("info", help="load a model and show device, dtype, parameters, memory and licence")
    info.add_argument("--model", default="default", help="default | catalogue name | HF folder | .gguf file")
    info.set_defaults(func=_info)


def _progress(started: float) -> Callable[[str], None]:
    return lambda msg: print(f"[{time.perf_counter() - started:5.1f}s] {msg}", file=sys.stderr, flush=True)


def _install(args: argparse.Namespace) -> int:
    from core.models import catalogue
    from core.models import install as model_install
    from core.sampling.engine import Engine
    from core.sampling.params import SamplingParams

    progress = _progress(time.perf_counter())
    item = catalogue.entry(args.name)
    folder = model_install.install(item, progress)
    progress("verifying: loading the model and generating a few tokens")
    engine = Engine.load(str(folder), progress)
    [cand] = engine.generate(
        "def add(a, b):\n", SamplingParams(n=1, temperature=0, max_new_tokens=8, mode="completion")
    )
    if not cand.token_ids:
        raise model_install.InstallError(
            f"the converted {item.name} generated no tokens; delete {folder} and install again"
        )
    progress(f"ok: {engine.info.describe()}; sample {cand.raw_text!r}")
    print(folder)
    return 0


def _list(args: argparse.Namespace) -> int:
    from core.cli.errors import UserError
    from core.models import catalogue
    from core.models import store as model_store

    for d in args.dir:
        if not d.is_dir():
            raise UserError(f"not a folder: {d}")
    print(f"{'catalogue model':30s} {'state':13s} {'download':>9s} {'RAM':>8s} {'licence':11s} measured")
    for item in catalogue.ENTRIES:
        installed = model_store.is_installed(model_store.model_dir(item.name))
        state = "installed" if installed else "installable"
        label = item.name + (" (default)" if item.name == catalogue.DEFAULT else "")
        print(
            f"{label:30s} {state:13s} {item.download_bytes / MIB:5.0f} MiB {item.peak_ram / GIB:4.1f} GiB "
            f"{item.licence:11s} {item.quality}"
        )
    others = [
        p
        for p in model_store.local_models(args.dir)
        if not any(p == model_store.model_dir(e.name) for e in catalogue.ENTRIES)
    ]
    if others:
        print(f"\n{'other models':34s} {'kind':9s} {'params':>8s} {'stored as':>9s} {'size':>9s}  path")
    for path in others:
        kind = "gguf" if path.suffix == ".gguf" else "hf-folder"
        try:
            d = model_store.describe(path)
        except model_store.UnreadableWeights as exc:
            print(f"{path.name[:34]:34s} {kind:9s} unreadable: {exc}")
            continue
        print(
            f"{path.name[:34]:34s} {kind:9s} {d['n_params'] / 1e6:7.0f}M {d['dtype']:>9s} {d['bytes'] / MIB:6.0f} MiB  {path}"
        )
    return 0


def _info(args: argparse.Namespace) -> int:
    from core.models import catalogue
    from core.sampling.engine import Engine

    info = Engine.load(args.model, _progress(time.perf_counter())).info
    for key, value in info.__dict__.items():
        print(f"{key:18s} {value}")
    item = next((e for e in catalogue.ENTRIES if info.path.endswith("/" + e.name)), None)
    if item is not None:
        print(f"{'licence':18s} {item.licence}")
        print(f"{'attribution':18s} {item.attribution}")
        print(f"{'measured':18s} {item.quality}; {item.speed}")
    return 0
