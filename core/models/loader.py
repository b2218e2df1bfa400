"""Load a causal LM and its tokenizer from the default model, a local HF folder or a GGUF file,
turning every failure into a one-sentence reason a user can act on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core.models import catalogue
from core.models import install as model_install
from core.models import runner as runners
from core.models import store as model_store
from core.models.device import free_memory_bytes, pick_device, pick_dtype
from core.models.info import ModelInfo, ModelLoadError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

GIB = 2**30
# Activations, the KV cache of a modest batch and the allocator's slack, on top of the weights.
RUNTIME_OVERHEAD = 0.5 * GIB


def resolve(spec: str, progress: Callable[[str], None] = print) -> Path:
    """The HF folder to load for `spec`: "default" or a catalogue name (installed on first use),
    a folder, or a .gguf file (converted once)."""
    if spec in ("", "default") or catalogue.is_catalogue_name(spec):
        return model_install.install(catalogue.entry(spec or "default"), progress)
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelLoadError(f"GGUF file not found: {path}")
        target = model_store.converted_gguf_dir(path)
        if not model_store.is_installed(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                model_store.convert_gguf(path, target, progress)
            except Exception as exc:  # noqa: BLE001 - gguf raises many types for a bad file
                raise ModelLoadError(f"cannot read GGUF file {path}: {exc}") from None
        return target
    if not path.exists():
        if "/" in spec and not spec.startswith((".", "/", "~")) and spec.count("/") == 1:
            raise ModelLoadError(
                f"'{spec}' looks like a model hub name, which is not available offline; "
                "give a local folder or GGUF file"
            )
        raise ModelLoadError(f"model folder not found: {path}")
    if not path.is_dir():
        raise ModelLoadError(f"{path} is neither a model folder nor a .gguf file")
    return path


def _check_config(folder: Path) -> str:
    config = folder / "config.json"
    if not config.is_file():
        raise ModelLoadError(f"{folder} has no config.json: it is not a Hugging Face model folder")
    try:
        data = json.loads(config.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"config.json in {folder} is corrupt ({exc})") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"config.json in {folder} is corrupt (not a JSON object)")
    return str(data.get("model_type", "?"))


def check_memory(folder: Path, dtype: torch.dtype, available: int) -> None:
    """Refuse, before loading, a model whose weights would not fit in the memory left."""
    try:
        stored = model_store.describe(folder)
    except model_store.UnreadableWeights as exc:
        raise ModelLoadError(str(exc)) from None
    needed = stored["n_params"] * dtype.itemsize + RUNTIME_OVERHEAD
    if needed > available:
        raise ModelLoadError(
            f"{folder.name} needs about {needed / GIB:.1f} GiB of memory in {str(dtype).removeprefix('torch.')} "
            f"and only {available / GIB:.1f} GiB is free; close other programs or choose a smaller model"
        )


def load(
    spec: str,
    progress: Callable[[str], None] = print,
    dtype: torch.dtype | None = None,
    pack_weights: bool = True,
    fuse: bool = True,
    runner: str | None = None,
) -> tuple[runners.Runner, PreTrainedTokenizerBase, ModelInfo]:
    """Returns (runner, tokenizer, ModelInfo). `runner`: "auto" (the default, or $CODESYNTH_RUNNER),
    "torch" or "llama_cpp" (core.models.runner says which `auto` takes); a `dtype` asks for torch.
    On torch the model (`runner.model`) is in eval mode on the best device, in the fastest
    precision it supports unless `dtype` is given; `pack_weights` and `fuse` choose how it runs
    (core.models.runner), both for inference only."""
    folder = resolve(spec, progress)
    model_type = _check_config(folder)
    device = pick_device()
    try:
        choice = runners.requested(runner)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from None
    gguf = model_store.source_gguf(folder)
    if choice == "llama_cpp" and gguf is None:
        raise ModelLoadError(
            f"the llama.cpp runner needs the GGUF file {folder.name} was converted from, and it is not on this machine"
        )
    if dtype is None and runners.uses_llama_cpp(choice, device, gguf):
        assert gguf is not None  # uses_llama_cpp is false without one
        return _load_llama_cpp(folder, gguf, model_type, progress)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or pick_dtype(device)
    check_memory(folder, dtype, free_memory_bytes(device))
    progress(f"loading {folder.name} on {device.type} ({str(dtype).removeprefix('torch.')})")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    except (ValueError, KeyError) as exc:
        if model_type in str(exc) or "does not recognize" in str(exc) or "Unrecognized" in str(exc):
            raise ModelLoadError(
                f"unknown architecture '{model_type}' in {folder}/config.json: this transformers version cannot load it"
            ) from None
        raise ModelLoadError(f"cannot load the model in {folder}: {exc}") from None
    except OSError as exc:
        raise ModelLoadError(f"cannot load the model in {folder}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error type for corrupt files
        raise ModelLoadError(f"the weights in {folder} are corrupt or unreadable: {exc}") from None
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' wrapped `to` is typed as taking the model
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    n_params = sum(p.numel() for p in model.parameters())
    memory = sum(p.numel() * p.element_size() for p in model.parameters())
    built = runners.build(model, tokenizer, pack=pack_weights, fuse=fuse)
    info = ModelInfo(
        name=_display_name(folder),
        path=str(folder),
        device=str(device),
        dtype=str(dtype).removeprefix("torch."),
        n_params=n_params,
        memory_bytes=memory + built.extra_bytes,
        has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
        architecture=model_type,
    )
    return built, tokenizer, info


def _load_llama_cpp(
    folder: Path, gguf: Path, model_type: str, progress: Callable[[str], None]
) -> tuple[runners.Runner, PreTrainedTokenizerBase, ModelInfo]:
    """The GGUF's own weights on llama.cpp's kernels (core.models.llama_cpp_runner); the tokenizer and
    the end-of-sample tokens come from the converted folder, whose vocabulary is the file's."""
    import torch
    from transformers import AutoTokenizer, GenerationConfig

    from core.models.llama_cpp_runner import LlamaCppRunner, LlamaCppUnavailable

    needed = gguf.stat().st_size + RUNTIME_OVERHEAD
    available = free_memory_bytes(torch.device("cpu"))
    if needed > available:
        raise ModelLoadError(
            f"{folder.name} needs about {needed / GIB:.1f} GiB of memory and only {available / GIB:.1f} GiB is free; "
            "close other programs or choose a smaller model"
        )
    progress(f"loading {folder.name} on cpu (llama.cpp, {gguf.name})")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        built = LlamaCppRunner(gguf, threads=torch.get_num_threads())
    except (OSError, ValueError, LlamaCppUnavailable) as exc:
        raise ModelLoadError(f"cannot load the model in {folder}: {exc}") from None
    try:
        config = GenerationConfig.from_pretrained(str(folder))
    except OSError:  # a folder without generation_config.json: the file's own tokens suffice
        config = None
    built.eos_ids |= runners.eos_ids(config, tokenizer)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    info = ModelInfo(
        name=_display_name(folder),
        path=str(folder),
        device="cpu",
        dtype=f"{built.description.split(' ', 2)[-1]} (llama.cpp)",
        n_params=built.n_params,
        memory_bytes=built.weight_bytes + built.extra_bytes,
        has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
        architecture=model_type,
    )
    return built, tokenizer, info


def _display_name(folder: Path) -> str:
    for item in catalogue.ENTRIES:
        if folder == model_store.model_dir(item.name):
            return f"default ({item.title})" if item.name == catalogue.DEFAULT else item.title
    return folder.name
