"""Sampling parameters and their validation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from core.user_error import UserError

# The Codex paper stops sampling at these (section 3.3): they mark the end of a function body.
CODEX_STOPS: tuple[str, ...] = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")
MODES = ("auto", "completion", "instruct")
MAX_SAMPLES = 1000
# New tokens a candidate may write: its body only, in either mode (instruct mode starts the reply
# with the prompt). At 128, 19% of the default model's samples on all 164 HumanEval problems were
# cut before their body ended, and 284 of those 311 failed; at 256, 18 of 1,640 were cut and pass@1
# rose from 50.7% to 58.7% (BENCHMARKS.md). A sample that ends sooner costs nothing more.
DEFAULT_MAX_NEW_TOKENS = 256


class InvalidParams(UserError, ValueError):
    """A user-facing parameter error; the message is one plain sentence."""


@dataclass(frozen=True)
class SamplingParams:
    n: int = 1
    temperature: float = 0.8  # 0 means greedy
    top_p: float = 0.95
    top_k: int = 0  # 0 disables top-k
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    seed: int | None = 0
    stop: tuple[str, ...] = field(default=CODEX_STOPS)
    mode: str = "auto"
    top_alternatives: int = 5  # alternatives kept per token for the probability view
    # Text every completion starts with (a branch from a token, `generate --prefix`): its tokens
    # are teacher-forced and their raw log-probs count in the ranking like sampled ones.
    prefix: str = ""
    # Only these of the n samples, each exactly as the whole request would have drawn it (row i's
    # randomness depends only on the seed and i): how an interrupted run finishes what it lacks.
    rows: tuple[int, ...] = ()
    # Said to an instruct model after the request: its earlier attempt and what that got wrong
    # (core.modes.revision), so that it writes a corrected function. A completion model cannot be told.
    feedback: str = ""
    # Text the samples will likely write again (a branch's parent, after the token they part at):
    # only a source of guesses that one forward pass checks together (core.sampling.sampler), so
    # it makes no difference to what is sampled, only to how soon. Backends without guesses ignore it.
    draft_text: str = ""

    def validated(self) -> SamplingParams:
        if not isinstance(self.n, int) or not 1 <= self.n <= MAX_SAMPLES:
            raise InvalidParams(f"n must be between 1 and {MAX_SAMPLES}, got {self.n}")
        if not (math.isfinite(self.temperature) and self.temperature >= 0):  # NaN would sample garbage
            raise InvalidParams(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise InvalidParams(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise InvalidParams(f"top_k must be >= 0 (0 disables it), got {self.top_k}")
        if not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise InvalidParams(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.mode not in MODES:
            raise InvalidParams(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if any(not s for s in self.stop):
            raise InvalidParams("stop sequences must not be empty strings")
        rows = tuple(self.rows)
        if any(not isinstance(r, int) or not 0 <= r < self.n for r in rows) or len(set(rows)) != len(rows):
            raise InvalidParams(f"rows must be distinct sample indices from 0 to {self.n - 1}")
        if self.feedback and self.mode != "instruct":
            raise InvalidParams("feedback on an earlier attempt needs instruct mode: a completion model cannot be told")
        return replace(self, stop=tuple(self.stop), rows=rows)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    @property
    def wanted_rows(self) -> list[int]:
        """The sample indices this request produces."""
        return list(self.rows) if self.rows else list(range(self.n))
