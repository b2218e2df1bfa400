"""The pieces of an OpenAI-compatible stream event that the remote backend reads: a choice's new
text and token log-probs, and its finish reason. Pure functions of the parsed JSON."""

from __future__ import annotations

from core import stopping
from core.remote_http import MalformedResponse

# Finish reasons of a sample the server gave up on rather than finished (vLLM: "abort").
SERVER_ABORTS = frozenset({"abort"})


def parse_choice(choice: dict, mode: str, url: str) -> tuple[str, list | None]:
    """(new text, [(piece, logprob, top alternatives)] or None where the server sent no log-probs)."""
    lp = choice.get("logprobs")
    try:
        if mode == "instruct":
            text = (choice.get("delta") or {}).get("content") or ""
            if not isinstance(lp, dict) or lp.get("content") is None:
                return text, None if text else []
            return text, [
                (
                    t["token"],
                    float(t["logprob"]),
                    [(a["token"], float(a["logprob"])) for a in t.get("top_logprobs") or []],
                )
                for t in lp["content"]
            ]
        text = choice.get("text") or ""
        if not isinstance(lp, dict) or lp.get("token_logprobs") is None:
            return text, None if text else []
        tops = lp.get("top_logprobs") or [None] * len(lp["tokens"])
        return text, [
            (piece, float(logprob), sorted(((p, float(v)) for p, v in (top or {}).items()), key=lambda a: -a[1]))
            for piece, logprob, top in zip(lp["tokens"], lp["token_logprobs"], tops)
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MalformedResponse(f"{url} sent log-probs in an unexpected shape: {str(lp)[:120]!r}") from None


def finish_reason(choice: dict, mode: str) -> str | None:
    """The candidate's finish reason, or None where the server aborted the sample."""
    reason = choice["finish_reason"]
    if reason in SERVER_ABORTS:
        return None
    if reason == "length":
        return "length"
    # The client cuts instruct replies itself, so a server stop there is the end-of-sequence
    # token; vLLM also says which stop string hit, and null for end-of-sequence.
    if mode == "instruct" or ("stop_reason" in choice and choice["stop_reason"] is None):
        return "eos"
    return "stop"


def body_start(reply: str) -> int:
    """Where the code of the reply's first fenced block begins (0 while there is no fence line)."""
    opening = reply.find(stopping.FENCE)
    newline = reply.find("\n", opening) if opening >= 0 else -1
    return newline + 1 if newline >= 0 else 0
