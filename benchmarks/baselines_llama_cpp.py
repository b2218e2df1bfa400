"""llama.cpp baselines for bench_sampling.py (issue 22 (c), (d)), through llama-cpp-python on the
GGUF file the model was converted from: the same weights in their own quantization.

llama-cpp-python's high-level API draws one stream per call, so n samples are n sequential
streams; the prompt is evaluated once, later streams reuse its KV cache (generate's prefix match).
Every stream samples as the paper does, as far as llama.cpp's sampler chain allows: T, top_p,
top_k=0, min_p=0, no repeat penalty (core.remote.backend's `_body` explains why those must be set). Its
chain applies top_p before the temperature, ours after it: the nucleus differs slightly, the work
per token does not. Stops: our engine's EOS ids and the paper's stop strings in the completion.

  llama_cpp             raw log-prob of each sampled token, read from the last row's logits
                        (llama_get_logits_ith): the fastest honest way to have log-probs
  llama_cpp_nologprobs  the same streams without log-probs: llama.cpp's raw speed
  llama_cpp_1           one stream per prompt without log-probs, its prompt evaluated afresh:
                        the like-for-like partner of our single row (ours_1)
  llama_cpp_api         create_completion(logprobs=1) with logits_all=True: the library's own
                        log-prob API, which copies every position's logits and sorts the
                        vocabulary in Python per token (the 4.5 tok/s of issue 22)
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.completion_rows import BaselineUnavailable, Run, finished_rows, has_stopped
from core.models import store as model_store
from core.sampling.params import SamplingParams

METHODS = ("llama_cpp", "llama_cpp_nologprobs", "llama_cpp_1", "llama_cpp_api")


def gguf_of(spec: str, model_folder: str) -> Path:
    """The GGUF file behind `--model`: the file itself, or the one its converted folder came from."""
    if spec.endswith(".gguf"):
        return Path(spec).expanduser()
    marker = Path(model_folder) / model_store.MARKER
    source = json.loads(marker.read_text()).get("gguf") if marker.is_file() else None
    if not source or not Path(source).is_file():
        raise BaselineUnavailable(
            f"{model_folder} was not converted from a GGUF file on this machine, so llama.cpp has no weights to run"
        )
    return Path(source)


def stream_seed(seed: int, row: int) -> int:
    return seed * 100_003 + row


def raw_log_prob(llm, token: int) -> float:
    """log softmax of the logits that `token` was drawn from (the last evaluated position)."""
    import llama_cpp

    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
    top = logits.max()
    return float(logits[token] - top - np.log(np.exp(logits - top).sum()))


class LlamaCpp:
    """One GGUF in llama.cpp, one Llama per logits_all setting (loaded on first use)."""

    def __init__(self, gguf: Path, tokenizer, eos_ids: set[int], threads: int, context: int):
        try:
            import llama_cpp  # noqa: F401 - only to say plainly when it is missing
        except ImportError:
            raise BaselineUnavailable("llama-cpp-python is not installed in this environment") from None
        self.gguf, self.tokenizer, self.eos_ids = gguf, tokenizer, eos_ids
        self.threads, self.context = threads, context
        self._loaded: dict[bool, object] = {}

    def llm(self, logits_all: bool):
        if logits_all not in self._loaded:
            from llama_cpp import Llama

            self._loaded[logits_all] = Llama(
                model_path=str(self.gguf),
                n_ctx=self.context,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                logits_all=logits_all,
                verbose=False,
            )
        return self._loaded[logits_all]

    def run(self, method: str, prompt: str, seed: int, params: SamplingParams) -> Run:
        if method == "llama_cpp_api":
            return self._api(prompt, seed, params)
        if method == "llama_cpp_1":
            self.llm(False).reset()  # no prompt cached from the other streams: it pays its prefill
            return self._streams(prompt, seed, replace(params, n=1), with_log_probs=False)
        return self._streams(prompt, seed, params, with_log_probs=method == "llama_cpp")

    def _streams(self, prompt: str, seed: int, params: SamplingParams, with_log_probs: bool) -> Run:
        llm, prompt_ids = self.llm(False), self.tokenizer(prompt).input_ids
        wall, rows = 0.0, []
        for row in range(params.n):
            llm.set_seed(stream_seed(seed, row))
            ids, log_probs = [], []
            started = time.perf_counter()
            for token in llm.generate(
                prompt_ids, top_k=0, top_p=params.top_p, min_p=0.0, temp=params.temperature, repeat_penalty=1.0
            ):
                if with_log_probs:
                    log_probs.append(raw_log_prob(llm, token))
                if token in self.eos_ids:
                    break
                ids.append(token)
                if len(ids) >= params.max_new_tokens or has_stopped(self.tokenizer, ids):
                    break
            wall += time.perf_counter() - started
            rows.append(ids)
        return finished_rows(self.tokenizer, rows, wall)

    def _api(self, prompt: str, seed: int, params: SamplingParams) -> Run:
        llm, prompt_ids = self.llm(True), self.tokenizer(prompt).input_ids
        wall, texts, tokens = 0.0, [], 0
        for row in range(params.n):
            started = time.perf_counter()
            out = llm.create_completion(
                prompt_ids,
                max_tokens=params.max_new_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=0,
                min_p=0.0,
                repeat_penalty=1.0,
                stop=list(params.stop),
                logprobs=1,
                seed=stream_seed(seed, row),
            )
            wall += time.perf_counter() - started
            choice = out["choices"][0]
            offsets = choice["logprobs"]["text_offset"]
            # The tokens that cover the text it returned (cut at the stop string), as ours are counted.
            tokens += sum(offset - offsets[0] < len(choice["text"]) for offset in offsets)
            texts.append(choice["text"])
        return wall, texts, tokens
