"""The decoding loop: prefill the prompt once, sample n rows in lockstep, let finished rows leave.

Read top to bottom like nanoGPT's `generate`; the additions are nucleus sampling, per-row seeds
and capture of the raw log-probabilities that candidates are ranked by.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from core.sampling.ngram_drafts import NgramDrafts

if TYPE_CHECKING:
    from core.models.runner import Runner
    from core.sampling.params import SamplingParams

# A prompt run through the model once: (the runner's one-row KV cache, its next-token logits).
# The cache is whatever object the runner keeps (core.models.runner).
Prefilled = tuple[Any, torch.Tensor]

# A row's nucleus is looked for among its top 64 tokens, then its top 1,024, then the whole
# vocabulary. Measured on HumanEval prompts at T=0.8, top_p=0.95: 2.2% of rows need more than 64
# tokens, 0.4% more than 256, none more than 1,024; on 2 CPU cores a full sort costs 3.4 ms a
# row, topk(64) 0.04-0.1 ms. Each row is widened on its own, so no row pays for another.
NUCLEUS_WINDOWS = (64, 1024)
# Guessed tokens checked per forward pass by the last row left (see `_alone`). Simulated on the
# sampling benchmark's runs: 4 saves as many passes as 8 and wastes less when a guess is wrong.
DRAFT_TOKENS = 4


@dataclass
class Step:
    """One decoding step: the token each active row drew, with its raw log-prob."""

    rows: list[int]  # row ids (0..n-1 of this request) still active at this step
    tokens: list[int]
    logprobs: list[float]
    top_ids: list[list[int]]  # per row: the most likely alternatives under the raw distribution
    top_logprobs: list[list[float]]


def row_generator(seed: int, row: int) -> torch.Generator:
    # Row i's randomness depends only on (seed, i): the same seed gives the same candidates
    # whatever the batch size, the chunking, or which other rows finished first (up to the
    # rounding of kernels whose results depend on the batch size; README, How sampling works).
    return torch.Generator(device="cpu").manual_seed((seed * 1_000_003 + row) % (2**63))


def next_uniforms(generators: Iterable[torch.Generator]) -> torch.Tensor:
    """Each row's next U(0,1) draw, from its own row_generator: one per row per sampled token."""
    return torch.cat([torch.rand(1, generator=g) for g in generators])


def nucleus_sample(
    logits: torch.Tensor, temperature: float, top_k: int, top_p: float, uniforms: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Draw one token per row by inverse-CDF sampling from the tempered, top-k/top-p filtered
    distribution. `uniforms` holds one U(0,1) draw per row, so each row controls its own stream.
    A row's token depends on its own logits and uniform only, never on the other rows.

    Also returns each row's likeliest token ids, most likely first (the first window looked at;
    None when there was none to look at), so that the caller need not search the vocabulary again."""
    probs = torch.softmax(logits / temperature, dim=-1)
    uniforms = uniforms.to(probs.device)
    vocab = probs.shape[-1]
    if top_k and top_k < vocab:
        cand_probs, cand_ids = probs.topk(top_k, dim=-1)  # sorted, most likely first
        # As transformers and vLLM do: the nucleus is taken from the top k renormalised.
        return _draw(cand_probs / cand_probs.sum(-1, keepdim=True), cand_ids, top_p, uniforms), cand_ids
    if top_p == 1.0:
        return _draw(probs, None, top_p, uniforms), None
    tokens = torch.empty(len(probs), dtype=torch.long, device=probs.device)
    todo = torch.arange(len(probs), device=probs.device)
    likeliest = None
    for width in (*[w for w in NUCLEUS_WINDOWS if w < vocab], vocab):
        rows = probs if len(todo) == len(probs) else probs.index_select(0, todo)
        cand_probs, cand_ids = rows.topk(width, dim=-1)  # sorted, most likely first
        fits = cand_probs.sum(-1) >= top_p if width < vocab else torch.ones_like(todo, dtype=torch.bool)
        likeliest = cand_ids if likeliest is None else likeliest
        done = todo[fits]
        if len(done):
            tokens[done] = _draw(cand_probs[fits], cand_ids[fits], top_p, uniforms[done])
        todo = todo[~fits]
        if not len(todo):
            break
    return tokens, likeliest


def _draw(
    cand_probs: torch.Tensor, cand_ids: torch.Tensor | None, top_p: float, uniforms: torch.Tensor
) -> torch.Tensor:
    """Inverse-CDF draw from each row's candidates (sorted, most likely first, when top_p < 1);
    `cand_ids` maps candidate positions to token ids (None: positions are the ids)."""
    if top_p < 1.0:
        # The nucleus: the smallest prefix whose mass reaches top_p (the first token always stays).
        mass_before = cand_probs.cumsum(-1) - cand_probs
        cand_probs = cand_probs.masked_fill(mass_before >= top_p, 0.0)
    cdf = cand_probs.cumsum(-1)
    target = (uniforms * cdf[:, -1]).unsqueeze(-1)
    pick = torch.searchsorted(cdf, target, right=True).clamp_(max=cdf.shape[-1] - 1)
    # Float rounding can land the pick on a zero-probability tail entry; step back to a real one.
    pick = torch.where(cand_probs.gather(-1, pick) > 0, pick, (cand_probs > 0).sum(-1, keepdim=True) - 1)
    return (cand_ids.gather(-1, pick) if cand_ids is not None else pick).squeeze(-1)


@torch.inference_mode()
def decode(
    runner: Runner,
    prefill: Prefilled,
    rows: list[int],
    params: SamplingParams,
    seed: int,
    finished: Callable[[int, int], bool],
    cancel: threading.Event | None = None,
    context: list[int] | None = None,
    hints: Sequence[list[int]] = (),
) -> Iterator[Step]:
    """Yield one Step per decoding position for `rows`, starting from `prefill` (made once per
    request by `prefill_prompt`, shared by all its chunks). After each step, `finished(row, token)`
    says whether that row is done; done rows leave the batch. `runner`: core.models.runner. `context`:
    the prompt's token ids, where the last row left looks for guesses (see `_alone`); `hints`: more
    token sequences to look in (SamplingParams.draft_text)."""
    device = runner.device
    cache_1, first_logits = prefill
    # 1. Every row starts from the prompt's cache and next-token distribution.
    cache = runner.fan_out(cache_1, len(rows))
    logits = first_logits.expand(len(rows), -1)
    generators = {row: row_generator(seed, row) for row in rows}
    # What each row wrote, kept only where the last row left can check guesses (see `_alone`).
    written: dict[int, list[int]] | None = (
        {row: [] for row in rows} if context is not None and runner.speculative else None
    )
    active = list(rows)
    for position in range(params.max_new_tokens):
        # 2-3. Each active row's next token, with its raw log-prob.
        tokens, step = _choose(logits, active, generators, params)
        yield step
        if written is not None:
            for row, tok in zip(active, step.tokens):
                written[row].append(tok)
        # 4. Finished rows (stop string, end of text) leave the batch.
        keep = [i for i, (row, tok) in enumerate(zip(active, step.tokens)) if not finished(row, tok)]
        if not keep or position == params.max_new_tokens - 1 or (cancel is not None and cancel.is_set()):
            return
        if len(keep) < len(active):
            keep_t = torch.tensor(keep, device=device)
            runner.keep_rows(cache, keep_t)
            tokens = tokens.index_select(0, keep_t)
            active = [active[i] for i in keep]
        if len(active) == 1 and written is not None and context is not None:  # written implies context
            row = active[0]
            drafts = NgramDrafts([*hints, *(w for r, w in written.items() if r != row)])
            own = drafts.add(context + written[row])
            yield from _alone(
                runner,
                cache,
                row,
                int(tokens.item()),
                generators,
                params,
                finished,
                cancel,
                params.max_new_tokens - position - 1,
                drafts,
                own,
            )
            return
        # 5. Feed only the new tokens: the cache already holds everything before them.
        logits = runner.step(cache, tokens)


def _choose(
    logits: torch.Tensor, rows: list[int], generators: dict[int, torch.Generator], params: SamplingParams
) -> tuple[torch.Tensor, Step]:
    """Each row's next token from its logits (one row of logits per row), and the Step reporting it."""
    logits = logits.float()
    # Ranking uses the model's own distribution, before temperature and top-p reshape it.
    logprobs = torch.log_softmax(logits, dim=-1)
    likeliest = None
    if params.greedy:
        tokens = logits.argmax(dim=-1)
    else:
        uniforms = next_uniforms(generators[row] for row in rows)
        tokens, likeliest = nucleus_sample(logits, params.temperature, params.top_k, params.top_p, uniforms)
    chosen = logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    alternatives = params.top_alternatives
    if likeliest is not None and likeliest.shape[-1] >= alternatives:
        # Tempering and softmax keep the order of the logits: the sampler's window already holds
        # them. A second search of the vocabulary cost 8% of this function at 1 row, 11% at 20.
        top_ids = likeliest[:, :alternatives]
        top_lp = logprobs.gather(-1, top_ids)
    else:
        top_lp, top_ids = logprobs.topk(alternatives, dim=-1)
    return tokens, Step(rows, tokens.tolist(), chosen.tolist(), top_ids.tolist(), top_lp.tolist())


def _alone(
    runner: Runner,
    cache: Any,  # the runner's own KV cache
    row: int,
    token: int,
    generators: dict[int, torch.Generator],
    params: SamplingParams,
    finished: Callable[[int, int], bool],
    cancel: threading.Event | None,
    left: int,
    drafts: NgramDrafts,
    own: int,
) -> Iterator[Step]:
    """The last row of a batch, with several tokens checked per forward pass (speculative decoding
    with guesses from `drafts`): at batch 1 the CPU streams the weights once for them all. Each
    position's token is still drawn from the row's own distribution with the row's next uniform,
    and a guess only saves the pass that would have computed that distribution, so the text is
    the one plain decoding gives (up to the rounding of a pass over several tokens). `own`: the
    row's text (prompt and tokens so far) in `drafts`."""
    while True:
        guess = drafts.propose(drafts.texts[own], min(DRAFT_TOKENS, left - 1))
        logits = runner.extend(cache, [token, *guess])  # the distribution after each fed token
        for j in range(len(guess) + 1):
            _, step = _choose(logits[j : j + 1], [row], generators, params)
            yield step
            token, left = step.tokens[0], left - 1
            drafts.grow(own, [token])
            if finished(row, token) or not left or (cancel is not None and cancel.is_set()):
                return
            if j == len(guess) or token != guess[j]:
                break
        runner.rewind(cache, len(guess) - j)  # forget the guesses after the last right one


@torch.inference_mode()
def prefill_prompt(runner: Runner, prompt_ids: list[int], max_new_tokens: int, scored: int = 1) -> Prefilled:
    """Run the prompt through the model once; returns (one-row cache, the logits at its last
    `scored` positions: the next-token logits last)."""
    return runner.prefill(prompt_ids, len(prompt_ids) + max_new_tokens, scored)
