"""Where models live: catalogue models (core.models.catalogue, installed by core.models.install) and the
user's GGUF files, each converted once to a bf16 Hugging Face folder, and what a model on disk holds."""

from __future__ import annotations

import collections
import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

import platformdirs

from core.models import catalogue

if TYPE_CHECKING:
    from transformers import PreTrainedModel

MARKER = "codesynth-model.json"  # written last: a folder without it is an interrupted conversion
# Two copies of one tied matrix, quantized at different precisions, differ per row by the coarser
# format's rounding (Q5_0 against Q8_0: at most 6%); unrelated matrices differ by ~140%.
TIE_TOLERANCE = 0.15

Progress = Callable[[str], None]


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("codesynth-studio", appauthor=False))


def models_dir() -> Path:
    return data_dir() / "models"


def model_dir(name: str) -> Path:
    """The converted folder of catalogue model `name`."""
    return models_dir() / name


def default_model_dir() -> Path:
    return model_dir(catalogue.DEFAULT)


def is_installed(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def tie_if_same(model: PreTrainedModel) -> str | None:
    """Share one matrix between the input embedding and the output layer when the GGUF stored
    two copies of a tied matrix (transformers unties them on conversion). The output layer's copy
    is kept: GGUF writers store it at the higher precision. Returns what was done, for the marker."""
    import torch

    # transformers types the input embedding as any nn.Module (a causal LM's is an nn.Embedding) and
    # leaves get_output_embeddings unannotated (the head is an nn.Linear or None).
    embed = cast("torch.nn.Embedding", model.get_input_embeddings())
    head = model.get_output_embeddings()  # type: ignore[no-untyped-call]
    if head is not None and embed.weight is head.weight:
        return "tied in the GGUF"
    if head is None or embed.weight.shape != head.weight.shape:
        return None
    a, b = embed.weight.detach().float(), head.weight.detach().float()
    # Row by row and in slices, so comparing a 150k-row vocabulary never doubles peak memory.
    worst = 0.0
    for start in range(0, a.shape[0], 8192):
        rows_a, rows_b = a[start : start + 8192], b[start : start + 8192]
        norms = rows_b.norm(dim=1).clamp_min(1e-12)
        worst = max(worst, float(((rows_a - rows_b).norm(dim=1) / norms).max()))
    if worst > TIE_TOLERANCE:
        return None
    with torch.no_grad():
        embed.weight = head.weight
    model.config.tie_word_embeddings = True
    return f"tied: input embedding shares the output layer's weights (copies differed by at most {worst:.1%} per row)"


def convert_gguf(gguf: Path, target: Path, progress: Progress, source: str | None = None) -> Path:
    """Dequantize a GGUF into a bf16 HF folder once, so later loads take seconds."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress(f"converting {gguf.name} to a bf16 folder (once; 20 s to a few minutes)")
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    # The weights are dequantized now; keeping the GGUF quantizer would make save_pretrained refuse.
    model.hf_quantizer = None  # type: ignore[assignment]  # transformers types it as the quantizer, not Optional
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tied = tie_if_same(model)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    marker = {"source": source or str(gguf), "gguf": str(gguf), "dtype": "bfloat16", "embeddings": tied or "untied"}
    (tmp / MARKER).write_text(json.dumps(marker))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def source_gguf(folder: Path) -> Path | None:
    """The GGUF file `folder` was converted from, where it is still on this machine."""
    try:
        source = json.loads((folder / MARKER).read_text()).get("gguf")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(source) if isinstance(source, str) and Path(source).is_file() else None


def converted_gguf_dir(gguf: Path) -> Path:
    """Cache folder for a user's GGUF, keyed by its path, size and mtime."""
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return models_dir() / "gguf" / f"{gguf.stem}-{key}"


def local_models(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    """Installed models: catalogue models, converted GGUFs, and HF folders or GGUF files in extra dirs."""
    found = [model_dir(e.name) for e in catalogue.ENTRIES if is_installed(model_dir(e.name))]
    found += sorted(p for p in (models_dir() / "gguf").glob("*") if is_installed(p))
    for d in extra_dirs:
        found += sorted(p for p in Path(d).iterdir() if (p / "config.json").is_file() or p.suffix == ".gguf")
    return found


class StoredWeights(TypedDict):
    n_params: int
    dtype: str  # the storage type of most parameters, e.g. "bf16", "Q4_K"
    bytes: int


class UnreadableWeights(ValueError):
    """A weights file whose header cannot be parsed: truncated, overwritten or not weights at all."""


def describe(path: Path) -> StoredWeights:
    """Parameter count, storage dtype and size of a model on disk, read from file headers
    without loading the weights. Raises UnreadableWeights for a damaged file."""
    path = Path(path)
    try:
        return _describe(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise UnreadableWeights(f"the weights in {path} are corrupt or unreadable: {exc}") from None


def _describe(path: Path) -> StoredWeights:
    if path.suffix == ".gguf":
        import gguf

        tensors = gguf.GGUFReader(str(path)).tensors
        kinds = collections.Counter(t.tensor_type.name for t in tensors)
        return {
            "n_params": sum(int(t.n_elements) for t in tensors),
            "dtype": kinds.most_common(1)[0][0],
            "bytes": path.stat().st_size,
        }
    n_params, sizes = 0, 0
    dtypes: collections.Counter[str] = collections.Counter()
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
