"""Scoring a given text on a server: the log-probs of its tokens, read from the server's log-probs
of an echoed prompt (OpenAI's legacy `echo` with `logprobs`), and the probe that says whether
those agree with the log-probs of the server's own samples."""

from __future__ import annotations

from core.remote.chunks import logprob_or_none
from core.remote.http import MalformedResponse, RemoteError, Transport

NO_SCORING_NOTICE = (
    "the server's log-probs of a given text disagree with those of its own samples (llama-cpp-python "
    "pairs each echoed token with the next position's logits): back-translation scores are unavailable"
)
# The echoed and the sampled log-probs of the same tokens come from the same weights; they differ
# only by batch-versus-single-token arithmetic, far below this.
ECHO_AGREEMENT = 0.05


class ScoringUnsupported(RemoteError, NotImplementedError):
    """The server cannot return log-probs of a given text (no echo with logprobs)."""


def echoed_logprobs(transport: Transport, model: str, context: str, continuation: str) -> list[tuple[str, float]]:
    """(piece, log-prob) of each token of `continuation` after `context`. The text is tokenized as a
    whole, so a token spanning the boundary counts as part of the continuation."""
    if not continuation:
        return []
    url = transport.endpoint.base
    text = context + continuation
    reply = transport.post_json(
        "/completions",
        {"model": model, "prompt": text, "max_tokens": 1, "temperature": 0, "echo": True, "logprobs": 1},
    )
    choice = (reply.get("choices") or [{}])[0]
    lp = choice.get("logprobs") if isinstance(choice, dict) else None
    if not isinstance(lp, dict) or not lp.get("text_offset") or lp.get("token_logprobs") is None:
        raise ScoringUnsupported(
            f"{url} does not return log-probs of the prompt (echo with logprobs), "
            "so it cannot score a given text: turn back-translation off"
        )
    scored = []
    try:
        for piece, logprob, offset in zip(lp.get("tokens") or [], lp["token_logprobs"], lp["text_offset"]):
            if offset < len(text) and offset + len(piece) > len(context):
                value = logprob_or_none(logprob)
                if value is None:
                    raise ScoringUnsupported(f"{url} returned no log-prob for a prompt token ({str(logprob)[:40]!r})")
                scored.append((str(piece), value))
    except TypeError:  # an offset or a piece of another type
        raise MalformedResponse(f"{url} sent echoed log-probs in an unexpected shape: {str(lp)[:120]!r}") from None
    return scored


def echo_agrees(transport: Transport, model: str) -> bool:
    """Whether echoed log-probs match sampled ones: greedy-sample a few tokens, then score them."""
    prompt = "def add(a, b):\n    return"
    sample = transport.post_json(
        "/completions",
        {"model": model, "prompt": prompt, "max_tokens": 3, "temperature": 0, "logprobs": 1},
    )
    lp = ((sample.get("choices") or [{}])[0] or {}).get("logprobs") or {}
    pieces, sampled = lp.get("tokens") or [], [logprob_or_none(v) for v in lp.get("token_logprobs") or []]
    if None in sampled:
        return False  # log-probs no model gives: nothing to score by
    try:
        echoed = echoed_logprobs(transport, model, prompt, "".join(pieces))
    except ScoringUnsupported:
        return False
    if [p for p, _ in echoed] != pieces or len(sampled) != len(pieces):
        return True  # tokenized differently when echoed: no evidence either way
    return all(b is not None and abs(a - b) <= ECHO_AGREEMENT for (_p, a), b in zip(echoed, sampled))
