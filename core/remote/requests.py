"""What the remote backend asks a server for: how a run's samples are spread over requests, each
seeded from the run's seed and its first row, and each request's body. Pure functions.

Completion mode uses /v1/completions with the paper's stop strings; instruct mode uses
/v1/chat/completions, whose reply the client cuts itself (core.sampling.candidate_assembly).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from core.modes import instruct
from core.remote.http import Call, JsonObject
from core.sampling.params import SamplingParams


@dataclass(eq=False)
class SampleRequest:
    """One request for `count` samples, rows first .. first + count - 1 of the run."""

    first: int  # row of the request's choice 0
    count: int
    body: JsonObject
    call: Call = field(default_factory=Call)
    retry: bool = False  # sent again, alone, after the server cut samples of it

    @property
    def rows(self) -> range:
        return range(self.first, self.first + self.count)

    def again(self) -> SampleRequest:
        """The same samples asked for again after the server cut them (a fresh call)."""
        return SampleRequest(self.first, self.count, self.body, retry=True)


def row_seed(seed: int, row: int) -> int:
    # Hashed, not seed + row: runs with seeds 0 and 1 would otherwise share all but one sample.
    return int.from_bytes(hashlib.blake2b(f"{seed}:{row}".encode(), digest_size=4).digest(), "little") >> 1


def endpoint_path(mode: str) -> str:
    return "/chat/completions" if mode == "instruct" else "/completions"


def plan(
    model: str, prompt: str, params: SamplingParams, mode: str, seed: int, per_request: int
) -> list[SampleRequest]:
    """The requests for a run's samples: `per_request` samples each, seeded by their first row;
    where the run wants some rows only (`params.rows`), one request per wanted row, seeded as that
    row's request is when the server is asked one sample at a time (per_request 1). A greedy run
    asks for one sample, which the caller copies to every row (and to the rows it wants)."""
    if params.rows:
        return [SampleRequest(r, 1, body(model, prompt, params, mode, 1, row_seed(seed, r))) for r in params.rows]
    count = 1 if params.greedy else params.n
    return [
        SampleRequest(
            first,
            min(per_request, count - first),
            body(model, prompt, params, mode, min(per_request, count - first), row_seed(seed, first)),
        )
        for first in range(0, count, per_request)
    ]


def body(model: str, prompt: str, params: SamplingParams, mode: str, n: int, seed: int) -> JsonObject:
    alternatives = max(1, params.top_alternatives)
    common = {
        "model": model,
        "n": n,
        "max_tokens": params.max_new_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "seed": seed,
        "stream": True,
        # Extensions that vLLM and llama.cpp accept: without them llama.cpp samples with its
        # own defaults (top_k 40, min_p 0.05), not the paper's temperature + nucleus sampling.
        "top_k": params.top_k,
        "min_p": 0.0,
        "repeat_penalty": 1.0,
    }
    if mode == "instruct":
        return {
            **common,
            "max_tokens": params.max_new_tokens + instruct.rewrite_allowance(prompt),
            "messages": instruct.chat_messages(prompt, params.feedback),
            "logprobs": True,
            "top_logprobs": alternatives,
        }
    return {**common, "prompt": prompt, "stop": list(params.stop), "logprobs": alternatives}
