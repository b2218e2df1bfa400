"""The pieces of an OpenAI-compatible stream event that the remote backend reads: a choice's new
text and token log-probs, and its finish reason; and how a server's tokens, which are text pieces
without ids, read in a Candidate. Pure functions of the parsed JSON."""

from __future__ import annotations

from collections.abc import Sequence

from core.remote.http import JsonObject, MalformedResponse
from core.sampling.candidate_assembly import Written

# Finish reasons of a sample the server gave up on rather than finished (vLLM: "abort").
SERVER_ABORTS = frozenset({"abort"})
# OpenAI responses carry token text, not ids; the ids of a remote candidate are this placeholder,
# one per token, so that len(token_ids) still counts its tokens.
UNKNOWN_TOKEN_ID = -1

# A token as a server reports it: (piece, log-prob, [(alternative piece, log-prob)]).
ServerToken = tuple[str, float, list[tuple[str, float]]]


class ServerSpelling:
    """A server's tokens are their pieces; their ids are unknown."""

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [UNKNOWN_TOKEN_ID] * len(tokens)

    def pieces(self, tokens: Sequence[str]) -> list[str]:
        return list(tokens)


def parse_choice(choice: JsonObject, mode: str, url: str) -> tuple[str, list[ServerToken] | None]:
    """(new text, its tokens, or None where the server sent text without log-probs)."""
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


def written(tokens: list[ServerToken] | None, written_length: int, alternatives: int) -> list[Written[str]] | None:
    """The tokens as a row writes them after `written_length` characters of token text, with at
    most `alternatives` alternatives each."""
    if tokens is None:
        return None
    result = []
    for piece, logprob, top in tokens:
        written_length += len(piece)
        result.append(Written(piece, logprob, top[:alternatives], written_length))
    return result


def finish_reason(choice: JsonObject, mode: str) -> str | None:
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
