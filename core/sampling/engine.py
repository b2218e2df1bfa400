"""The resident model and the one way to sample from it: `stream` (events) and `generate` (list).

Rows are decoded by `core.sampling.sampler` and assembled into live text and Candidates by
`core.sampling.candidate_assembly`; this module turns token steps into decoded text, splits large requests
into chunks that fit memory, and retries smaller on OOM.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

import torch

from core.models import loader
from core.models.device import is_out_of_memory, release_cached_memory
from core.models.info import ModelInfo, ModelLoadError
from core.modes import instruct
from core.sampling import sampler
from core.sampling.candidate import reindexed
from core.sampling.candidate_assembly import Assembly, Event, Row, Written
from core.sampling.interface import Capabilities, GenerationOOM, SamplingBackend
from core.sampling.params import InvalidParams, SamplingParams

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from core.models.runner import Runner

__all__ = ["Engine", "ModelLoadError"]  # ModelLoadError: re-exported for callers

# A local model gives everything the interface offers.
LOCAL_CAPABILITIES = Capabilities(scoring=True, token_logprobs=True, next_token_logits=True, forced_prefix=True)


@dataclass(frozen=True)
class _TokenizerSpelling:
    """Token ids read as the tokenizer decodes them one by one."""

    tokenizer: PreTrainedTokenizerBase

    def ids(self, tokens: Sequence[int]) -> list[int]:
        return list(tokens)

    def pieces(self, tokens: Sequence[int]) -> list[str]:
        return [_decoded(self.tokenizer, [token]) for token in tokens]


def _decoded(tokenizer: PreTrainedTokenizerBase, ids: list[int], skip_special_tokens: bool = False) -> str:
    # `decode` is typed for batches too (str | list[str]); one list of ids gives one string.
    return cast(str, tokenizer.decode(ids, skip_special_tokens=skip_special_tokens))


class Engine(SamplingBackend):
    def __init__(self, runner: Runner, tokenizer: PreTrainedTokenizerBase, info: ModelInfo):
        """`runner`: how the model runs (core.models.runner); `self.model` is its transformers model, where
        the runner has one (llama.cpp's has none)."""
        self.runner, self.model, self.tokenizer, self.info = runner, runner.model, tokenizer, info
        self._lock = threading.Lock()  # one request at a time on the resident model
        self.eos_ids = runner.eos_ids

    @classmethod
    def load(
        cls,
        spec: str = "default",
        progress: Callable[[str], None] = print,
        dtype: torch.dtype | None = None,
        runner: str | None = None,
    ) -> Engine:
        """`runner`: core.models.runner's choice ("auto", "torch" or "llama_cpp")."""
        return cls(*loader.load(spec, progress, dtype, runner=runner))

    @property
    def capabilities(self) -> Capabilities:
        return LOCAL_CAPABILITIES

    # -- sampling -----------------------------------------------------------------------------

    def stream(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> Iterator[Event]:
        params = params.validated()
        if not prompt.strip():
            raise InvalidParams("the prompt is empty")
        mode = self.resolve_mode(params.mode)
        prompt_ids = self._prompt_ids(prompt, mode, params.feedback)
        prefix_ids = self.tokenizer(params.prefix, add_special_tokens=False)["input_ids"] if params.prefix else []
        seed = params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little")
        with self._lock:
            if not params.greedy:
                yield from self._stream_rows(
                    prompt, prompt_ids, prefix_ids, params.wanted_rows, params, mode, seed, cancel
                )
                return
            # Greedy rows are identical by definition: decode one and copy it to every wanted
            # index, so batch size cannot change them.
            wanted = params.wanted_rows
            for event in self._stream_rows(
                prompt, prompt_ids, prefix_ids, [0], replace(params, n=len(wanted), rows=()), mode, seed, cancel
            ):
                yield reindexed(event, wanted)

    def _prompt_ids(self, prompt: str, mode: str, feedback: str = "") -> list[int]:
        model_text = instruct.chat_prompt(self.tokenizer, prompt, feedback) if mode == "instruct" else prompt
        ids: list[int] = self.tokenizer(model_text, add_special_tokens=mode == "completion")["input_ids"]
        return ids

    @torch.inference_mode()
    def next_token_logits(self, prompt: str, written_ids: list[int], mode: str = "auto") -> torch.Tensor:
        """The raw logits the sampler saw after `prompt` and the tokens a candidate wrote before a
        position (`written_ids`), from one teacher-forced pass: what core.sampling.distribution reshapes."""
        ids = self._prompt_ids(prompt, self.resolve_mode(mode)) + list(written_ids)
        with self._lock:
            return self.runner.logits(ids, start=len(ids) - 1)[-1].float().cpu()

    def _forced_row(self, prefix_ids: list[int], logits: torch.Tensor, alternatives: int) -> Row[int]:
        """A row that has already written `prefix_ids`: their raw log-probs and top alternatives
        come from `logits`, the prompt's prefill teacher-forcing them, as if they had been sampled."""
        if not prefix_ids:
            return Row()
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        top_lp, top_ids = logprobs.topk(alternatives, dim=-1)
        chosen = logprobs.gather(-1, torch.tensor(prefix_ids, device=logits.device)[:, None]).squeeze(-1)
        return Row(
            tokens=list(prefix_ids),
            logprobs=chosen.tolist(),
            alternatives=[list(zip(ids, lps)) for ids, lps in zip(top_ids.tolist(), top_lp.tolist())],
            lengths=[
                len(_decoded(self.tokenizer, prefix_ids[: i + 1], skip_special_tokens=True))
                for i in range(len(prefix_ids))
            ],
            text=_decoded(self.tokenizer, prefix_ids, skip_special_tokens=True),
            forced=len(prefix_ids),
        )

    def _stream_rows(
        self,
        prompt: str,
        prompt_ids: list[int],
        prefix_ids: list[int],
        rows: list[int],
        params: SamplingParams,
        mode: str,
        seed: int,
        cancel: threading.Event | None,
    ) -> Iterator[Event]:
        """Samples `rows` after the prompt and a forced prefix (a branch's), whose tokens the one
        prefill pass also scores."""
        ids = prompt_ids + prefix_ids
        try:
            cache, logits = sampler.prefill_prompt(self.runner, ids, params.max_new_tokens, scored=len(prefix_ids) + 1)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            release_cached_memory(self.runner.device)
            raise GenerationOOM(
                f"out of memory while reading the prompt ({len(ids)} tokens): shorten it or load a smaller model"
            ) from None
        forced = self._forced_row(prefix_ids, logits[:-1], params.top_alternatives)
        prefill = (cache, logits[-1:])
        assembly = Assembly(
            prompt,
            mode,
            params.stop,
            _TokenizerSpelling(self.tokenizer),
            rows,
            primed=True,  # instruct.chat_prompt starts the reply for the model
            copies=params.n if params.greedy else 1,
            first_state=forced,
        )
        chunk = self.runner.rows_that_fit(len(ids), params.max_new_tokens)
        hints = [self.tokenizer(params.draft_text, add_special_tokens=False)["input_ids"]] if params.draft_text else []
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
                    lambda r, _t: assembly.rows[r].finish is not None,
                    cancel,
                    ids,
                    hints,
                )
                for step in steps:
                    yield from self._advance(step, assembly, params.max_new_tokens)
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
                restart = [r for r in batch if assembly.rows[r].finish is None]
                for r in restart:
                    yield from assembly.restart(r)
                pending = restart + pending
                continue
            cancelled = cancel is not None and cancel.is_set()
            # Rows the loop left unfinished hit the token limit or were cancelled.
            for r in batch:
                if assembly.rows[r].finish is None:
                    yield from assembly.finish(r, "cancelled" if cancelled else "length")
            if cancelled:
                for r in pending:
                    yield from assembly.finish(r, "cancelled")
                return

    def _advance(self, step: sampler.Step, assembly: Assembly[int], max_new_tokens: int) -> Iterator[Event]:
        for index, tok, lp, top_ids, top_lps in zip(
            step.rows, step.tokens, step.logprobs, step.top_ids, step.top_logprobs
        ):
            if tok in self.eos_ids:
                yield from assembly.finish(index, "eos")
                continue
            row = assembly.rows[index]
            text = _decoded(self.tokenizer, [*row.tokens, tok], skip_special_tokens=True)
            yield from assembly.write(index, text, [Written(tok, lp, list(zip(top_ids, top_lps)), len(text))])
            if row.finish is not None or len(row.tokens) - row.forced >= max_new_tokens:
                yield from assembly.finish(index, "length")
            else:
                yield from assembly.flush(index)

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
