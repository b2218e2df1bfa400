"""Guesses of a row's next tokens, looked up in text already written: the other rows' samples
of the same prompt, the prompt, and the row itself (prompt-lookup decoding, widened to the
sibling samples).

Samples of one prompt repeat each other and the prompt a lot (signatures, names, idioms). When
one row is left decoding alone, a guess lets one forward pass check several tokens: at batch 1
the CPU streams the same weights for five tokens as for one (core.sampling.sampler, BENCHMARKS.md).
"""

from __future__ import annotations

# n-gram lengths tried, longest first. Down to one token: on the sampling benchmark that left 85
# passes without a guess instead of 172, and a wrong guess costs little (a 5-token pass takes
# 1.1 times a 1-token one at batch 1).
LONGEST, SHORTEST = 4, 1


class NgramDrafts:
    def __init__(self, texts: list[list[int]]):
        """`texts`: token sequences to look up in (their order is the preference on ties: later wins)."""
        self.texts: list[list[int]] = []
        self.index: dict[tuple[int, ...], tuple[int, int]] = {}  # n-gram -> (text, position after it)
        for tokens in texts:
            self.add(tokens)

    def add(self, tokens: list[int]) -> int:
        """Index a new text; returns its number, for `grow`."""
        self.texts.append([])
        self.grow(len(self.texts) - 1, tokens)
        return len(self.texts) - 1

    def grow(self, text: int, tokens: list[int]) -> None:
        """Append `tokens` to text number `text` and index the n-grams they complete."""
        seq = self.texts[text]
        for token in tokens:
            seq.append(token)
            for n in range(SHORTEST, LONGEST + 1):
                if len(seq) > n:  # the n-gram ending just before the new token, and what followed it
                    self.index[tuple(seq[-n - 1 : -1])] = (text, len(seq) - 1)

    def propose(self, history: list[int], k: int) -> list[int]:
        """Up to `k` tokens that followed the longest recent n-gram of `history` elsewhere."""
        for n in range(LONGEST, SHORTEST - 1, -1):
            hit = self.index.get(tuple(history[-n:])) if len(history) >= n else None
            if hit is not None:
                text, at = hit
                return self.texts[text][at : at + k]
        return []
