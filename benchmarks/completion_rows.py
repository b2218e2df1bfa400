"""What every sampling method in bench_sampling.py hands back, and how its tokens are counted:
the real completion tokens, up to the stop string or EOS, the way our engine keeps a candidate."""

from __future__ import annotations

from core.sampling.params import CODEX_STOPS
from core.sampling.stopping import find_stop, tokens_covering

# One method on one prompt: wall seconds, each row's completion text, their tokens in all.
Run = tuple[float, list[str], int]


class BaselineUnavailable(RuntimeError):
    """A baseline that cannot run here; the message says why in one sentence."""


def completion(tokenizer, ids: list[int]) -> tuple[str, int]:
    """A generated row as the engine keeps it: its text up to the stop string or EOS, and the
    tokens that text takes."""
    if tokenizer.eos_token_id in ids:
        ids = ids[: ids.index(tokenizer.eos_token_id)]
    lengths = [len(tokenizer.decode(ids[: i + 1], skip_special_tokens=True)) for i in range(len(ids))]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    cut = find_stop(text, CODEX_STOPS)
    return (text, len(ids)) if cut is None else (text[:cut], tokens_covering(lengths, cut))


def has_stopped(tokenizer, ids: list[int]) -> bool:
    """Whether a row's completion so far holds one of the paper's stop strings."""
    return find_stop(tokenizer.decode(ids, skip_special_tokens=True), CODEX_STOPS) is not None


def finished_rows(tokenizer, rows: list[list[int]], wall: float) -> Run:
    kept = [completion(tokenizer, ids) for ids in rows]
    return wall, [text for text, _ in kept], sum(tokens for _, tokens in kept)
