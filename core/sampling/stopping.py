"""Where a sample ends: stop strings on decoded text, and the fence of an instruct reply's code
block (core.sampling.candidate_assembly finds where the block closes). Pure functions on strings."""

from __future__ import annotations

FENCE = "```"


def find_stop(text: str, stops: tuple[str, ...], start: int = 0) -> int | None:
    """Index where the earliest stop string begins at or after `start`, else None."""
    hits = [i for i in (text.find(s, start) for s in stops) if i >= 0]
    return min(hits) if hits else None


def tokens_covering(prefix_lengths: list[int], cut: int) -> int:
    """How many tokens are needed for the decoded text to reach `cut` characters, given the
    decoded length after each token. Tokens lying wholly inside the stop string are dropped,
    so a sample stopped before any text (a reply that closes its code block at once) has none."""
    if cut <= 0:
        return 0
    for count, length in enumerate(prefix_lengths, start=1):
        if length >= cut:
            return count
    return len(prefix_lengths)
