"""The pieces of an OpenAI-compatible stream event that the remote backend reads: a choice's new
text and token log-probs, and its finish reason; and how a server's tokens, which are text pieces
without ids, read in a Candidate. Pure functions of the parsed JSON."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from core.remote.http import JsonObject, MalformedResponse
from core.sampling.candidate_assembly import Written

# Finish reasons of a sample the server ended where it meant to: at a stop string or the end of
# sequence (OpenAI, vLLM and llama.cpp say "stop"; Text Generation Inference "eos_token" and
# "stop_sequence").
SERVER_FINISHES = frozenset({"stop", "eos", "eos_token", "stop_sequence"})
# OpenAI responses carry token text, not ids; the ids of a remote candidate are this placeholder,
# one per token, so that len(token_ids) still counts its tokens.
UNKNOWN_TOKEN_ID = -1

# llama.cpp reports log-probs of certain tokens as 0.0 give or take a last bit; above this is no log-prob.
_ROUNDING = 1e-4
_SURROGATE = re.compile("[\ud800-\udfff]")

# A token as a server reports it: (piece, log-prob, [(alternative piece, log-prob)]).
ServerToken = tuple[str, float, list[tuple[str, float]]]


class ServerSpelling:
    """A server's tokens are their pieces; their ids are unknown."""

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [UNKNOWN_TOKEN_ID] * len(tokens)

    def pieces(self, tokens: Sequence[str]) -> list[str]:
        return list(tokens)


def parse_choice(choice: JsonObject, mode: str, url: str) -> tuple[str, list[ServerToken] | None]:
    """(new text, its tokens, or None where the server sent text without log-probs, or log-probs
    that no model gives: the row then ranks as one without log-probs, not by a forged value)."""
    lp = choice.get("logprobs")
    text = (choice.get("delta") or {}).get("content") if mode == "instruct" else choice.get("text")
    if not isinstance(text, str | None):
        raise MalformedResponse(f"{url} sent text that is not a string: {str(text)[:120]!r}")
    text = readable(text or "")
    try:
        if mode == "instruct":
            if not isinstance(lp, dict) or lp.get("content") is None:
                return text, None if text else []
            _require_list(lp["content"])
            tokens = [
                (t["token"], t["logprob"], [(a["token"], a["logprob"]) for a in t.get("top_logprobs") or []])
                for t in lp["content"]
            ]
        else:
            if not isinstance(lp, dict) or lp.get("token_logprobs") is None:
                return text, None if text else []
            _require_list(lp["tokens"], lp["token_logprobs"])
            tops = lp.get("top_logprobs") or [None] * len(lp["tokens"])
            tokens = [
                (piece, logprob, sorted((top or {}).items(), key=lambda a: -_number(a[1])))
                for piece, logprob, top in zip(lp["tokens"], lp["token_logprobs"], tops)
            ]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MalformedResponse(f"{url} sent log-probs in an unexpected shape: {str(lp)[:120]!r}") from None
    checked = [_checked(token) for token in tokens]
    if (text and not checked) or any(token is None for token in checked):
        return text, None
    return text, [token for token in checked if token is not None]


def _require_list(*values: object) -> None:
    # A string would be read as one token per character.
    if not all(isinstance(value, list) for value in values):
        raise TypeError("not a list")


def readable(text: str) -> str:
    """`text` with each lone surrogate (JSON may escape half an emoji, or a server split one over two
    events) made U+FFFD, one for one, so lengths still add up and encoding it cannot fail."""
    return _SURROGATE.sub("\ufffd", text)


def logprob_or_none(value: object) -> float | None:
    """`value` as a log-prob, or None where it is not one: a bool, a string, NaN, infinite, or
    positive beyond rounding (JSON's parser gives all of those)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number <= _ROUNDING else None


def _number(value: object) -> float:
    logprob = logprob_or_none(value)
    return float("-inf") if logprob is None else logprob


def _checked(token: tuple[object, object, list[tuple[object, object]]]) -> ServerToken | None:
    piece, logprob, top = token
    value = logprob_or_none(logprob)
    if not isinstance(piece, str) or value is None:
        return None
    alternatives = [
        (readable(p), v) for p, v in ((p, logprob_or_none(v)) for p, v in top) if isinstance(p, str) and v is not None
    ]
    return readable(piece), value, alternatives


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
    """The candidate's finish reason, or None where the server did not finish the sample: it
    aborted it (vLLM's "abort"), or gave a reason that says neither that the sample ended nor that
    it reached its token limit (OpenAI's "content_filter", a server's "error" or "timeout"), so
    its text may be cut anywhere."""
    reason = choice["finish_reason"]
    if reason == "length":
        return "length"
    if not isinstance(reason, str) or reason not in SERVER_FINISHES:
        return None
    # The client cuts instruct replies itself, so a server stop there is the end-of-sequence
    # token; vLLM also says which stop string hit, and null for end-of-sequence.
    if mode == "instruct" or ("stop_reason" in choice and choice["stop_reason"] is None):
        return "eos"
    return "stop"
