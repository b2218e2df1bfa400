"""Runs a GGUF model on llama.cpp's own kernels (llama-cpp-python's C API), with our sampler.

On a CPU, decoding reads every weight once per step, so its speed is the bytes of the weights.
A GGUF file keeps them quantized (Q4_K_M: about 5 bits a weight); torch has no fast kernels for
those formats and must run them dequantized, in float32 where the CPU has no native bf16 (7x the
bytes). llama.cpp runs them as they are. Measured on a 2-core AVX2 machine with the default
model (BENCHMARKS.md): one row 3.8x faster than our float32 engine, twenty rows 2.0x.

Only the forward pass is llama.cpp's: it returns the raw logits, and `core.sampling.sampler` draws from
them as for every runner, with per-row seeds, the paper's nucleus, and the model's raw log-probs.
llama.cpp's own sampler chain is never used.

Rows are llama.cpp sequences in one unified KV cache: a prompt is evaluated once into its own
sequence, and fanning out copies that sequence's cells by reference (`llama_memory_seq_cp`), so n
rows share the prompt's cells. A cache object owns its sequence ids; they return to the pool when
it is dropped.

Rows that have written the same tokens so far are fed as one: a step feeds one token tagged with
all their sequences, computes one row of logits and hands it to each (`step`). The rows share that
token's cell, and part only when they draw different tokens. This changes no row's distribution:
their texts are the same, so is what the model computes for them. Code at T = 0.8 often begins
the same way in most rows: on HumanEval/0-9 at n = 20, 24% of the tokens written were such shared
ones (BENCHMARKS.md).
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import torch

from core.user_error import UserError

if TYPE_CHECKING:
    from llama_cpp import llama_memory_t, llama_model_p

# Rows a cache may hold at once, beyond the prompts' own sequences (core.sampling.engine's CPU chunk is 64).
MAX_ROWS = 64
SPARE_SEQUENCES = 8
# Prompts whose cells are saved for later requests that start with them (see prefill): 12 KB a
# cell for the default model, so about 4 MB for a HumanEval chat prompt. At most this many, and at
# most SAVED_BYTES in all: a prompt of thousands of tokens is read again rather than held.
SAVED_PROMPTS = 4
SAVED_BYTES = 64 * 2**20
# KV cells of the context: enough for 30 rows of 256 new tokens after a 300-token prompt, at
# 12 KB a cell for the default model (96 MiB). A longer request gets a larger context.
DEFAULT_CELLS = 8192
# Positions fed per llama_decode call; all-position logits are taken in smaller slices, so the
# output buffer stays small (64 x 152k floats = 39 MB).
BATCH = 512
LOGITS_SLICE = 64
# Cells a row may hold beyond its new tokens: the guesses the last row checks (core.sampling.sampler).
GUESS_ROOM = 8


class LlamaCppUnavailable(RuntimeError):
    """llama-cpp-python is not installed or cannot read this file."""


class ContextTooLong(UserError, ValueError):
    """A request longer than the model's context window."""


@dataclass
class Cache:
    """The sequences of a batch of rows (one per row, in row order) and the positions they hold.
    `twins`: per row, a label that rows share exactly when they have been fed the same tokens."""

    seqs: list[int]
    length: int
    twins: list[int]
    _finalizer: weakref.finalize[[list[int]], Cache] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _SavedPrompt:
    """A prompt's cells as llama_state_seq_get_data writes them, and the logits at its last position."""

    state: bytes
    last_logits: torch.Tensor


def available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


class LlamaCppRunner:
    """The runner interface of core.models.runner over a llama.cpp context."""

    model = None  # no transformers model: nothing else may run the weights
    # Checking guessed tokens in one pass (core.sampling.sampler's `_alone`) made one row 1.7x slower here:
    # llama.cpp's pass over 5 positions costs several single steps (measured, BENCHMARKS.md).
    speculative = False

    def __init__(self, gguf: Path, threads: int):
        try:
            import llama_cpp
        except ImportError as exc:
            raise LlamaCppUnavailable("llama-cpp-python is not installed") from exc
        self._ll = llama_cpp
        _quiet(llama_cpp)
        llama_cpp.llama_backend_init()
        params = llama_cpp.llama_model_default_params()
        self._model = llama_cpp.llama_model_load_from_file(str(gguf).encode(), params)
        if not self._model:
            raise LlamaCppUnavailable(f"llama.cpp cannot read {gguf}")
        self.device = torch.device("cpu")
        self.threads = threads
        vocab = llama_cpp.llama_model_get_vocab(self._model)
        self.vocab_size = llama_cpp.llama_vocab_n_tokens(vocab)
        self.eos_ids = {t for t in (llama_cpp.llama_vocab_eos(vocab), llama_cpp.llama_vocab_eot(vocab)) if t >= 0}
        self.n_params = llama_cpp.llama_model_n_params(self._model)
        self.weight_bytes = llama_cpp.llama_model_size(self._model)
        buf = ctypes.create_string_buffer(128)
        llama_cpp.llama_model_desc(self._model, buf, len(buf))
        self.description = buf.value.decode(errors="replace")
        self.max_cells = llama_cpp.llama_model_n_ctx_train(self._model)
        heads = llama_cpp.llama_model_n_head(self._model)
        head_dim = llama_cpp.llama_model_n_embd(self._model) // heads
        # f16 keys and values for every layer's KV heads: llama.cpp's default cache type.
        self.kv_bytes_per_cell: int = (
            2 * llama_cpp.llama_model_n_layer(self._model) * llama_cpp.llama_model_n_head_kv(self._model) * head_dim * 2
        )
        self._ctx = None
        self._cells = 0
        self._handles = _Handles(llama_cpp, self._model)
        weakref.finalize(self, self._handles.free)  # before anything else can fail
        self._free: list[int] = []
        self._saved: OrderedDict[tuple[int, ...], _SavedPrompt] = OrderedDict()
        self._guard = threading.Lock()  # the pool of sequence ids; finalizers may run on any thread
        self._new_context(min(DEFAULT_CELLS, self.max_cells))
        # A token may belong to every sequence (twin rows, see step).
        self._batch = self._handles.batch = llama_cpp.llama_batch_init(BATCH, 0, MAX_ROWS + SPARE_SEQUENCES)

    @property
    def extra_bytes(self) -> int:
        """The KV cache, held beyond the weights."""
        return self._cells * self.kv_bytes_per_cell

    # -- the runner interface (core.models.runner) -------------------------------------------------------

    def prefill(self, ids: list[int], capacity: int, scored: int = 1) -> tuple[Cache, torch.Tensor]:
        """A one-row cache holding `ids` (room for `capacity` tokens) and the logits at the last
        `scored` positions (core.models.runner.Runner.prefill).

        The prompt (`ids` up to the first scored position; after it come a branch's forced
        tokens) is fed as one part and the rest as another, and the prompt's cells are saved. A
        later request that starts with the same prompt (a branch, Generate again) puts them back
        and reads only its own tokens: reading the chat prompt took 2.1 s of a branch's 3.7 s on
        the default model. They go back into the empty cache where they were made, and the rest
        is read in the same passes, so the numbers are those of a request that read everything
        (see _start_afresh)."""
        head = len(ids) - scored + 1
        prompt = tuple(ids[:head])
        self._make_room(capacity)
        self._start_afresh()
        cache = self._cache(1, 0)
        seq = cache.seqs[0]
        saved = self._saved.get(prompt) if self._idle(except_for=1) else None
        if saved is not None and self._restore(saved.state, seq):
            self._saved.move_to_end(prompt)
            first = saved.last_logits
        else:
            first = self._feed(ids[:head], seq, 0, every=False)
            if self._idle(except_for=1):  # cells laid out as on an empty cache
                self._save(prompt, seq, first)
        rest = self._feed(ids[head:], seq, head, every=True)
        cache.length = len(ids)
        return cache, torch.cat([first, rest])

    def step(self, cache: Cache, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one new token per row; the cache already holds everything before it. Twin rows that
        draw the same token stay twins: the token is fed once, for all their sequences."""
        fed: dict[tuple[int, int], int] = {}  # (twins' label, token) -> its entry
        entries = [fed.setdefault((twin, tok), len(fed)) for twin, tok in zip(cache.twins, tokens.tolist())]
        sequences: list[list[int]] = [[] for _ in fed]
        for entry, seq in zip(entries, cache.seqs):
            sequences[entry].append(seq)
        logits = self._decode([(tok, cache.length, seqs, True) for (_, tok), seqs in zip(fed, sequences)])
        cache.twins[:], cache.length = entries, cache.length + 1  # once fed: a failed step leaves the cache as it was
        return logits if len(fed) == len(cache.seqs) else logits[entries]

    def extend(self, cache: Cache, ids: list[int]) -> torch.Tensor:
        raise NotImplementedError("LlamaCppRunner is not speculative")

    def rewind(self, cache: Cache, positions: int) -> None:
        raise NotImplementedError("LlamaCppRunner is not speculative")

    def logits(self, ids: list[int], start: int = 0) -> torch.Tensor:
        """Teacher-forced logits at the positions of `ids` from `start` on (llama.cpp computes the
        head only where logits are asked for), read on an empty cache."""
        self._make_room(len(ids))
        self._start_afresh()
        return self._fill(ids, start, self._cache(1, 0).seqs[0])

    def fan_out(self, prefilled: Cache, rows: int) -> Cache:
        """`rows` rows that each start with the prefilled prompt; the original stays reusable."""
        cache = self._cache(rows, prefilled.length)
        for seq in cache.seqs:
            self._ll.llama_memory_seq_cp(self._memory(), prefilled.seqs[0], seq, -1, -1)
        return cache

    def keep_rows(self, cache: Cache, keep: torch.Tensor) -> None:
        """Drop every row not in `keep` (row positions in the current batch)."""
        kept = keep.tolist()
        staying = set(kept)
        dropped = [seq for i, seq in enumerate(cache.seqs) if i not in staying]
        cache.seqs[:] = [cache.seqs[i] for i in kept]
        cache.twins[:] = [cache.twins[i] for i in kept]
        self._release(dropped)

    def rows_that_fit(self, prompt_len: int, new_tokens: int) -> int:
        """Rows of `new_tokens` each that the KV cache holds beside their shared prompt (a row alone
        may feed a few guessed tokens more: core.sampling.sampler's DRAFT_TOKENS)."""
        return max(1, min(MAX_ROWS, (self._cells - prompt_len) // (new_tokens + GUESS_ROOM)))

    # -- sequences and KV cells --------------------------------------------------------------------

    def _new_context(self, cells: int) -> None:
        ll = self._ll
        if self._ctx is not None:
            ll.llama_free(self._ctx)
        params = ll.llama_context_default_params()
        params.n_ctx = cells
        params.n_batch = params.n_ubatch = BATCH
        params.n_seq_max = MAX_ROWS + SPARE_SEQUENCES
        params.kv_unified = True  # rows share the prompt's cells; any row may grow to the free cells
        params.n_threads = params.n_threads_batch = self.threads
        ctx = ll.llama_init_from_model(self._model, params)
        if not ctx:
            raise RuntimeError(f"llama.cpp is out of memory for a {cells}-cell KV cache")
        self._ctx = self._handles.ctx = ctx
        self._cells = cells
        self._free = list(range(MAX_ROWS + SPARE_SEQUENCES))
        self._saved.clear()  # a prompt's saved cells belong to the context they were made in

    def _make_room(self, cells: int) -> None:
        """A context of at least `cells` cells. A larger one replaces the current one only between
        requests, when no cache holds sequences (the engine's lock sees to that for prefills)."""
        if cells <= self._cells:
            return
        if cells > self.max_cells:
            raise ContextTooLong(f"{cells} tokens do not fit in the model's context of {self.max_cells} tokens")
        if len(self._free) < MAX_ROWS + SPARE_SEQUENCES:
            raise RuntimeError("llama.cpp is out of memory: the KV cache is in use by another request")
        self._new_context(min(self.max_cells, max(cells, 2 * self._cells)))

    def _start_afresh(self) -> None:
        """Empty the KV cache when no cache holds sequences, so that a request's cells are laid out
        the same whatever ran before. llama.cpp's sums depend on that layout (a prompt placed
        after 300 used cells moved the default model's top log-probs by up to 0.14, measured):
        this keeps a seeded request, and greedy decoding, reproducible from run to run."""
        if self._idle():
            self._ll.llama_memory_clear(self._memory(), True)

    def _idle(self, except_for: int = 0) -> bool:
        """Whether no cache holds sequences (but `except_for` of them)."""
        return len(self._free) + except_for == MAX_ROWS + SPARE_SEQUENCES

    def _save(self, prompt: tuple[int, ...], seq: int, last_logits: torch.Tensor) -> None:
        size = self._ll.llama_state_seq_get_size(self._ctx, seq)
        if size > SAVED_BYTES:
            return
        buffer = (ctypes.c_uint8 * size)()
        written = self._ll.llama_state_seq_get_data(self._ctx, buffer, size, seq)
        if written:
            self._saved[prompt] = _SavedPrompt(ctypes.string_at(buffer, written), last_logits)
            while len(self._saved) > SAVED_PROMPTS or sum(len(s.state) for s in self._saved.values()) > SAVED_BYTES:
                self._saved.popitem(last=False)

    def _restore(self, state: bytes, seq: int) -> bool:
        """Put a saved prompt's cells back into sequence `seq`; False if llama.cpp could not."""
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if self._ll.llama_state_seq_set_data(self._ctx, buffer, len(state), seq) == len(state):
            return True
        self._ll.llama_memory_seq_rm(self._memory(), seq, -1, -1)  # whatever part went in: read afresh
        return False

    def _memory(self) -> llama_memory_t | None:
        memory: llama_memory_t | None = self._ll.llama_get_memory(self._ctx)  # self._ll: the module, typed Any
        return memory

    def _cache(self, rows: int, length: int) -> Cache:
        with self._guard:
            if rows > len(self._free):
                raise RuntimeError(f"llama.cpp is out of memory: {rows} rows asked, {len(self._free)} sequences free")
            seqs, self._free = self._free[:rows], self._free[rows:]
        cache = Cache(seqs, length, twins=[0] * rows)  # every row holds the same: nothing, or the prompt (fan_out)
        # The finalizer holds the list, not the cache: the ids go back when the cache is dropped.
        cache._finalizer = weakref.finalize(cache, self._release, cache.seqs)
        return cache

    def _release(self, seqs: list[int]) -> None:
        if self._ctx is None:
            return
        for seq in seqs:
            self._ll.llama_memory_seq_rm(self._memory(), seq, -1, -1)
        with self._guard:
            self._free.extend(seqs)

    # -- decoding ----------------------------------------------------------------------------------

    def _fill(self, ids: list[int], start: int, seq: int) -> torch.Tensor:
        """Feed all of `ids` to a new sequence; the logits at the positions from `start` on. The
        positions before `start` are only context, fed in whole batches; so is everything when only
        the last position is asked for, which makes a prefill and a teacher-forced pass over the
        same ids read the same batches, and so the same sums."""
        if start == len(ids) - 1:
            return self._feed(ids, seq, 0, every=False)
        if start:
            self._feed(ids[:start], seq, 0, every=False)
        return self._feed(ids[start:], seq, start, every=True)

    def _feed(self, ids: list[int], seq: int, start: int, every: bool) -> torch.Tensor:
        """Feed `ids` to one sequence from position `start`; the logits after each token (`every`)
        or after the last one only."""
        step = LOGITS_SLICE if every else BATCH
        outputs = [torch.empty(0, self.vocab_size)]
        for at in range(0, len(ids), step):
            piece = ids[at : at + step]
            last = at + len(piece) == len(ids)
            entries = [
                (tok, start + at + i, [seq], every or (last and i == len(piece) - 1)) for i, tok in enumerate(piece)
            ]
            outputs.append(self._decode(entries))
        return torch.cat(outputs)

    def _decode(self, entries: list[tuple[int, int, list[int], bool]]) -> torch.Tensor:
        """One llama_decode of (token, position, sequences, wants logits) entries; the logits of the
        entries that want them, in order, as a float32 tensor of our own."""
        batch = self._batch
        batch.n_tokens = len(entries)
        for i, (token, pos, seqs, wants) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = token, pos, len(seqs), wants
            for j, seq in enumerate(seqs):
                batch.seq_id[i][j] = seq
        status = self._ll.llama_decode(self._ctx, batch)
        if status == 1:  # no KV slot for the batch: core.sampling.engine retries with fewer rows
            raise RuntimeError("llama.cpp is out of memory: no room left in the KV cache")
        if status != 0:
            raise RuntimeError(f"llama.cpp could not decode (status {status})")
        outputs = sum(1 for e in entries if e[3])
        if not outputs:
            return torch.empty(0, self.vocab_size)
        data = np.ctypeslib.as_array(self._ll.llama_get_logits(self._ctx), shape=(outputs, self.vocab_size))
        return torch.from_numpy(data.copy())


def _quiet(llama_cpp: ModuleType) -> None:
    """llama.cpp logs every load to stderr; the app reports loading itself."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is None:
        # Kept in a global: llama.cpp calls it for the life of the process.
        _LOG_CALLBACK = llama_cpp.llama_log_callback(lambda *_args: None)
        llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p())


_LOG_CALLBACK = None


class _Handles:
    """The C objects a runner owns, freed when the runner is collected (a finalizer must not hold
    the runner itself)."""

    def __init__(self, llama_cpp: ModuleType, model: llama_model_p | None):
        self.ll, self.model, self.ctx, self.batch = llama_cpp, model, None, None

    def free(self) -> None:
        if self.batch is not None:
            self.ll.llama_batch_free(self.batch)
        if self.ctx is not None:
            self.ll.llama_free(self.ctx)
        self.ll.llama_model_free(self.model)
