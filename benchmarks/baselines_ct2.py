"""CTranslate2 int8 baseline for bench_sampling.py (issue 22 (e)).

The model's converted HF folder (core.models.loader) is converted once more, by CTranslate2's own
converter, to int8 weights (cached under the user cache folder). Per prompt: one generate_batch
call with num_hypotheses=n (CTranslate2 evaluates the prompt once, then repeats its state n
times), full-vocabulary sampling (sampling_topk=0) at T and top_p, return_scores=True (the sum of
each row's raw log-probs: CTranslate2 takes the log-softmax of the logits before its sampler
applies the temperature), our engine's EOS ids, and a per-row callback that ends a row when its
completion holds one of the paper's stop strings. intra_threads = the machine's cores.

CTranslate2 is a benchmark-only dependency: `pip install -c installer/pins.txt ctranslate2`.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections import defaultdict
from pathlib import Path

import platformdirs

from benchmarks.completion_rows import BaselineUnavailable, Run, finished_rows, has_stopped
from core.sampling.params import SamplingParams

METHODS = ("ct2",)
QUANTIZATION = "int8"


def converted_dir(folder: Path) -> Path:
    """Cache folder of `folder`'s conversion, keyed by the folder and its weights' size and mtime."""
    stamps = "|".join(
        f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(folder.glob("*.safetensors"))
    )
    key = hashlib.sha256(f"{folder.resolve()}|{stamps}".encode()).hexdigest()[:16]
    return (
        Path(platformdirs.user_cache_dir("codesynth-studio", appauthor=False))
        / "bench-ct2"
        / f"{folder.name}-{key}-{QUANTIZATION}"
    )


def convert_once(folder: Path, progress) -> Path:
    from ctranslate2.converters import TransformersConverter

    target = converted_dir(folder)
    if (target / "model.bin").is_file():
        return target
    progress(f"converting {folder.name} to CTranslate2 {QUANTIZATION} (once)")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        TransformersConverter(str(folder), low_cpu_mem_usage=True).convert(str(partial), quantization=QUANTIZATION)
    except Exception as exc:  # noqa: BLE001 - the converter raises many types for an architecture it lacks
        raise BaselineUnavailable(f"CTranslate2 cannot convert {folder.name}: {exc}") from None
    partial.rename(target)
    return target


class CTranslate2:
    def __init__(self, folder: Path, tokenizer, eos_ids: set[int], threads: int, progress=print):
        try:
            import ctranslate2
        except ImportError:
            raise BaselineUnavailable(
                "ctranslate2 is not installed: pip install -c installer/pins.txt ctranslate2"
            ) from None
        self.tokenizer, self.eos_ids = tokenizer, eos_ids
        self.generator = ctranslate2.Generator(
            str(convert_once(folder, progress)), device="cpu", compute_type=QUANTIZATION, intra_threads=threads
        )

    def run(self, method: str, prompt: str, seed: int, params: SamplingParams) -> Run:
        import ctranslate2

        ctranslate2.set_random_seed(seed)
        start = self.tokenizer.convert_ids_to_tokens(self.tokenizer(prompt).input_ids)
        seen: dict[int, list[int]] = defaultdict(list)

        def stop_at_string(step) -> bool:
            if step.token_id in self.eos_ids:
                return False  # CTranslate2 ends the row itself
            seen[step.hypothesis_id].append(step.token_id)
            return has_stopped(self.tokenizer, seen[step.hypothesis_id])

        started = time.perf_counter()
        result = self.generator.generate_batch(
            [start],
            num_hypotheses=params.n,
            sampling_topk=0,
            sampling_topp=params.top_p,
            sampling_temperature=params.temperature,
            max_length=params.max_new_tokens,
            include_prompt_in_result=False,
            return_scores=True,
            end_token=sorted(self.eos_ids),
            callback=stop_at_string,
        )[0]
        wall = time.perf_counter() - started
        return finished_rows(self.tokenizer, [list(ids) for ids in result.sequences_ids], wall)
