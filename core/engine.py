"""The resident model and the one way to sample from it: `stream` (events) and `generate` (list).

Rows are decoded by `core.sampler`; this module turns token steps into text, stop decisions and
Candidates, splits large requests into chunks that fit memory, and retries smaller on OOM.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import torch

from core import instruct, loader, sampler, stopping
from core.candidate import Candidate, CandidateDone, TokenDelta, reindexed
from core.degenerate import degenerate_reason
from core.device import is_out_of_memory, release_cached_memory
from core.loader import ModelInfo, ModelLoadError  # noqa: F401  (re-exported for callers)
from core.params import InvalidParams, SamplingParams
from core.sampling_backend import SamplingBackend


class GenerationOOM(RuntimeError):
    """Out of memory even with one row at a time."""


@dataclass
class _Row:
    """A row's running state while it decodes."""

    ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    top: list[tuple[list[int], list[float]]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)  # decoded text length after each token
    text: str = ""
    streamed: int = 0
    cut: int | None = None
    finish: str | None = None
    forced: int = 0  # leading tokens that were teacher-forced (SamplingParams.prefix), not sampled


class Engine(SamplingBackend):
    def __init__(self, runner, tokenizer, info: ModelInfo):
        """`runner`: how the model runs (core.runner); `self.model` is its transformers model, where
        the runner has one (llama.cpp's has none)."""
        self.runner, self.model, self.tokenizer, self.info = runner, runner.model, tokenizer, info
        self._lock = threading.Lock()  # one request at a time on the resident model
        self.eos_ids = runner.eos_ids

    @classmethod
    def load(
        cls, spec: str = "default", progress: Callable[[str], None] = print, dtype=None, runner: str | None = None
    ) -> Engine:
        """`runner`: core.runner's choice ("auto", "torch" or "llama_cpp")."""
        return cls(*loader.load(spec, progress, dtype, runner=runner))

    # -- sampling -----------------------------------------------------------------------------

    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        params = params.validated()
        if not prompt.strip():
            raise InvalidParams("the prompt is empty")
        mode = self.resolve_mode(params.mode)
        prompt_ids = self._prompt_ids(prompt, mode)
        prefix_ids = self.tokenizer(params.prefix, add_special_tokens=False)["input_ids"] if params.prefix else []
        seed = params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little")
        with self._lock:
            forced = self._forced_row(prompt_ids, prefix_ids, params.top_alternatives)
            if not params.greedy:
                yield from self._stream_rows(
                    prompt, prompt_ids + prefix_ids, params.wanted_rows, params, mode, seed, cancel, forced
                )
                return
            # Greedy rows are identical by definition: decode one and copy it to every wanted
            # index, so batch size cannot change them.
            wanted = params.wanted_rows
            for event in self._stream_rows(
                prompt,
                prompt_ids + prefix_ids,
                [0],
                replace(params, n=len(wanted), rows=()),
                mode,
                seed,
                cancel,
                forced,
            ):
                yield reindexed(event, wanted)

    def _prompt_ids(self, prompt: str, mode: str) -> list[int]:
        model_text = instruct.chat_prompt(self.tokenizer, prompt) if mode == "instruct" else prompt
        return self.tokenizer(model_text, add_special_tokens=mode == "completion")["input_ids"]

    @torch.inference_mode()
    def next_token_logits(self, prompt: str, written_ids: list[int], mode: str = "auto") -> torch.Tensor:
        """The raw logits the sampler saw after `prompt` and the tokens a candidate wrote before a
        position (`written_ids`), from one teacher-forced pass: what core.distribution reshapes."""
        ids = self._prompt_ids(prompt, self.resolve_mode(mode)) + list(written_ids)
        with self._lock:
            return self.runner.logits(ids, start=len(ids) - 1)[-1].float().cpu()

    def _forced_row(self, prompt_ids: list[int], prefix_ids: list[int], alternatives: int) -> _Row:
        """A row that has already written `prefix_ids`: their raw log-probs and top alternatives
        come from one teacher-forced pass, as if they had been sampled."""
        row = _Row()
        if not prefix_ids:
            return row
        with torch.inference_mode():
            logits = self.runner.logits(prompt_ids + prefix_ids, start=len(prompt_ids) - 1)[:-1].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        top_lp, top_ids = logprobs.topk(alternatives, dim=-1)
        row.ids = list(prefix_ids)
        row.logprobs = logprobs.gather(-1, torch.tensor(prefix_ids, device=logits.device)[:, None]).squeeze(-1).tolist()
        row.top = list(zip(top_ids.tolist(), top_lp.tolist()))
        row.lengths = [
            len(self.tokenizer.decode(prefix_ids[: i + 1], skip_special_tokens=True)) for i in range(len(prefix_ids))
        ]
        row.text = self.tokenizer.decode(prefix_ids, skip_special_tokens=True)
        row.forced = len(prefix_ids)
        return row

    def _stream_rows(self, prompt, prompt_ids, rows, params, mode, seed, cancel, forced: _Row):
        started = time.perf_counter()

        def fresh() -> _Row:
            return replace(
                forced,
                ids=list(forced.ids),
                logprobs=list(forced.logprobs),
                top=list(forced.top),
                lengths=list(forced.lengths),
            )

        state = {r: fresh() for r in rows}
        copies = params.n if params.greedy else 1
        try:
            prefill = sampler.prefill_prompt(self.runner, prompt_ids, params.max_new_tokens)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            release_cached_memory(self.runner.device)
            raise GenerationOOM(
                f"out of memory while reading the prompt ({len(prompt_ids)} tokens): shorten it or load a smaller model"
            ) from None
        chunk = self.runner.rows_that_fit(len(prompt_ids), params.max_new_tokens)
        pending = list(rows)
        while pending:
            batch, pending = pending[:chunk], pending[chunk:]
            try:
                steps = sampler.decode(
                    self.runner,
                    prefill,
                    batch,
                    params,
                    seed,
                    lambda r, _t: state[r].finish is not None,
                    cancel,
                    prompt_ids,
                )
                for step in steps:
                    yield from self._advance(step, state, params, mode, prompt, started, copies)
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                release_cached_memory(self.runner.device)
                if chunk == 1:
                    raise GenerationOOM(
                        "out of memory even for one sample: lower max new tokens or load a smaller model"
                    ) from None
                chunk = max(1, chunk // 2)
                # Rows of the failed chunk start again with the same seeds, so they produce the same text.
                restart = [r for r in batch if state[r].finish is None]
                for r in restart:
                    state[r] = fresh()
                    yield from (TokenDelta(r + i, "", reset=True) for i in range(copies))
                pending = restart + pending
                continue
            # Rows the loop left unfinished hit the token limit or were cancelled.
            for r in batch:
                if state[r].finish is None:
                    state[r].finish = "cancelled" if cancel is not None and cancel.is_set() else "length"
                    yield from self._finish(r, state[r], prompt, mode, started, copies)
            if cancel is not None and cancel.is_set():
                for r in pending:
                    state[r].finish = "cancelled"
                    yield from self._finish(r, state[r], prompt, mode, started, copies)
                return

    def _advance(self, step: sampler.Step, state, params, mode, prompt, started, copies):
        for row, tok, lp, top_ids, top_lps in zip(
            step.rows, step.tokens, step.logprobs, step.top_ids, step.top_logprobs
        ):
            st = state[row]
            if tok in self.eos_ids:
                st.finish = "eos"
            else:
                st.ids.append(tok)
                st.logprobs.append(lp)
                st.top.append((top_ids, top_lps))
                previous = len(st.text)
                st.text = self.tokenizer.decode(st.ids, skip_special_tokens=True)
                st.lengths.append(len(st.text))
                st.cut = self._stop_index(st.text, previous, params, mode)
                if st.cut is not None:
                    st.finish = "stop"
                elif len(st.ids) - st.forced >= params.max_new_tokens:
                    st.finish = "length"
            if st.finish is not None:
                yield from self._finish(row, st, prompt, mode, started, copies)
            else:
                # A trailing U+FFFD is half a multi-byte character: hold it back until it completes.
                yield from self._flush(row, st, st.text.rstrip("\ufffd"), copies)

    def _stop_index(self, text: str, previous: int, params, mode) -> int | None:
        if mode == "instruct":
            return instruct.body_end(text)
        longest = max((len(s) for s in params.stop), default=0)
        # Only the tail can hold a new match; earlier text was checked at previous steps.
        return stopping.find_stop(text, params.stop, max(0, previous - longest + 1))

    def _finish(self, row: int, st: _Row, prompt: str, mode: str, started: float, copies: int):
        if st.finish is None:  # callers set it first
            raise ValueError(f"row {row} is finished without a finish reason")
        keep = stopping.tokens_covering(st.lengths, st.cut) if st.cut is not None else len(st.ids)
        ids = st.ids[:keep]
        raw = st.text[: st.cut] if st.cut is not None else st.text
        yield from self._flush(row, st, raw, copies)
        piece = self.tokenizer.decode
        text = instruct.completion_from_body(prompt, raw) if mode == "instruct" else raw
        candidate = Candidate(
            index=row,
            text=text,
            raw_text=raw,
            token_ids=ids,
            token_logprobs=st.logprobs[:keep],
            finish_reason=st.finish,
            elapsed_s=time.perf_counter() - started,
            tokens=[piece([i]) for i in ids],
            top_logprobs=[[(piece([i]), lp) for i, lp in zip(*alts)] for alts in st.top[:keep]],
            degenerate=degenerate_reason(prompt, text),
        )
        for i in range(copies):
            yield CandidateDone(replace(candidate, index=row + i))

    # -- scoring ------------------------------------------------------------------------------

    @torch.inference_mode()
    def score(self, context: str, continuation: str) -> list[float]:
        """Raw log-prob of each token of `continuation` given `context`, by one teacher-forced pass."""
        ctx = self.tokenizer(context)["input_ids"]
        cont = self.tokenizer(continuation, add_special_tokens=False)["input_ids"]
        if not cont:
            return []
        with self._lock:
            logits = self.runner.logits(ctx + cont, start=len(ctx) - 1)[:-1].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        return logprobs.gather(-1, torch.tensor(cont, device=logits.device)[:, None]).squeeze(-1).tolist()
