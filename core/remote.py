"""The remote backend: sampling from an OpenAI-compatible server (vLLM, llama.cpp, ...) with the
same events and Candidates as the local engine, so the GUI, the CLI, eval and the sampling lab
work unchanged.

Completion mode uses /v1/completions with the paper's stop strings; instruct mode uses
/v1/chat/completions and cuts the reply at the end of its first code block. Candidates are
spread over requests of `samples_per_request` samples each, at most `max_in_flight` at a time,
and streamed (SSE) so that candidates appear live.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from core import instruct, stopping
from core.candidate import Candidate, CandidateDone, TokenDelta, reindexed
from core.loader import ModelInfo
from core.params import InvalidParams, SamplingParams
from core.remote_chunks import body_start, finish_reason, parse_choice
from core.remote_http import (
    Aborted,
    AuthFailed,
    Call,
    Endpoint,
    MalformedResponse,
    ModelNotFound,
    RemoteError,
    ServerFailed,
    Transport,
)
from core.sampling_backend import SamplingBackend
from core.secrets import api_key

# OpenAI responses carry token text, not ids; the ids of a remote candidate are this placeholder,
# one per token, so that len(token_ids) still counts its tokens.
UNKNOWN_TOKEN_ID = -1
NO_LOGPROBS_NOTICE = (
    "the server returns no token log-probs: candidates cannot be ranked by mean log-prob and "
    "keep the order they were sampled in, which is a random ranking"
)
NO_SCORING_NOTICE = (
    "the server's log-probs of a given text disagree with those of its own samples (llama-cpp-python "
    "pairs each echoed token with the next position's logits): back-translation scores are unavailable"
)
# llama_cpp.server, started as its documentation shows, ends the request it is streaming whenever
# another one arrives (its interrupt_requests setting): the cut samples end without a finish reason.
INTERRUPT_HINT = (
    "llama_cpp.server does so unless it is started with --interrupt_requests False; with vLLM, look "
    "for aborted requests in its log"
)
# The echoed and the sampled log-probs of the same tokens come from the same weights; they differ
# only by batch-versus-single-token arithmetic, far below this.
ECHO_AGREEMENT = 0.05


class ScoringUnsupported(RemoteError, NotImplementedError):
    """The server cannot return log-probs of a given text (no echo with logprobs)."""


class SamplesCut(RemoteError):
    """The server ended samples before finishing them, even when they were asked for alone."""


@dataclass(frozen=True)
class RemoteInfo(ModelInfo):
    url: str = ""
    logprobs: bool = True  # the server returned token log-probs in the connection probe
    scoring: bool = True  # its echoed prompt log-probs agree with its sampled ones (see `score`)

    def describe(self) -> str:
        notes = [] if self.logprobs else ["no log-probs: random ranking"]
        notes += [] if self.scoring else ["no scoring of given text"]
        notes.append("chat" if self.has_chat_template else "no chat template")
        return f"{self.name} on {self.url} ({self.architecture}; {', '.join(notes)})"


@dataclass
class _Row:
    text: str = ""  # everything the server sent for this sample (instruct: the whole reply)
    pieces: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    top: list[list[tuple[str, float]]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)  # text length after each token piece
    start: int = 0  # instruct: where the code block's body begins in `text`
    cut: int | None = None
    streamed: int = 0
    missing_logprobs: bool = False
    finish: str | None = None
    server_done: bool = False  # the server sent this sample's finish_reason

    def has_tokens(self) -> bool:
        return bool(self.pieces or self.text)


@dataclass(eq=False)
class _Request:
    first: int  # row of the request's choice 0
    count: int
    body: dict
    call: Call = field(default_factory=Call)
    retry: bool = False  # sent again, alone, after the server cut samples of it

    @property
    def rows(self) -> range:
        return range(self.first, self.first + self.count)


def _row_seed(seed: int, row: int) -> int:
    # Hashed, not seed + row: runs with seeds 0 and 1 would otherwise share all but one sample.
    return int.from_bytes(hashlib.blake2b(f"{seed}:{row}".encode(), digest_size=4).digest(), "little") >> 1


class RemoteBackend(SamplingBackend):
    info: RemoteInfo

    def __init__(
        self,
        transport: Transport,
        info: RemoteInfo,
        max_in_flight: int = 4,
        samples_per_request: int = 1,
        notify: Callable[[str], None] = print,
    ):
        if max_in_flight < 1 or samples_per_request < 1:
            raise InvalidParams("max_in_flight and samples_per_request must be at least 1")
        self.transport, self.info = transport, info
        self.max_in_flight, self.samples_per_request = max_in_flight, samples_per_request
        self.notify = notify  # notices during sampling (the connection's progress callback)

    @classmethod
    def connect(
        cls,
        url: str,
        served_model: str | None = None,
        progress: Callable[[str], None] = print,
        max_in_flight: int = 4,
        samples_per_request: int = 1,
        **endpoint_options,
    ) -> RemoteBackend:
        """Connect and probe: model list, a one-token completion (are log-probs returned?) and a
        one-token chat (is there a chat template?). This is also the GUI's connection test."""
        endpoint = Endpoint.from_url(url, **endpoint_options)
        transport = Transport(replace(endpoint, api_key=api_key(endpoint.base)))
        progress(f"connecting to {endpoint.base}")
        name = _pick_model(transport, served_model)
        probe = transport.post_json(
            "/completions",
            {"model": name, "prompt": "def", "max_tokens": 1, "temperature": 0, "logprobs": 1},
            retry_connect=False,
        )
        logprobs = _probe_has_logprobs(probe, endpoint.base)
        info = RemoteInfo(
            name=name,
            path=endpoint.base,
            device="remote",
            dtype="server",
            n_params=0,
            memory_bytes=0,
            has_chat_template=_has_chat(transport, name),
            architecture="OpenAI-compatible server",
            url=endpoint.base,
            logprobs=logprobs,
        )
        backend = cls(transport, info, max_in_flight, samples_per_request, notify=progress)
        backend.info = replace(info, scoring=logprobs and backend._echo_agrees())
        if not logprobs:
            progress(f"notice: {NO_LOGPROBS_NOTICE}")
        elif not backend.info.scoring:
            progress(f"notice: {NO_SCORING_NOTICE}")
        progress(f"connected: {backend.info.describe()}")
        return backend

    # -- sampling -----------------------------------------------------------------------------

    def stream(
        self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None
    ) -> Iterator[TokenDelta | CandidateDone]:
        params = params.validated()
        if not prompt.strip():
            raise InvalidParams("the prompt is empty")
        if params.prefix:
            # The server would sample after the prefix, but the prefix's own log-probs, which the
            # ranking counts, would need the prompt echoed with log-probs (OpenAI's legacy `echo`),
            # which llama.cpp and vLLM's chat endpoint do not give.
            raise InvalidParams(
                "a server cannot start candidates with a forced prefix: the log-probs of the "
                "prefix, which the ranking counts, are not given back by OpenAI-compatible servers"
            )
        mode = self.resolve_mode(params.mode)
        seed = params.seed if params.seed is not None else int.from_bytes(os.urandom(4), "little")
        # Greedy samples are identical: ask for one and copy it, as the local engine does.
        count = 1 if params.greedy else params.n
        copies = params.n if params.greedy else 1
        if params.rows:
            # One request per wanted sample, seeded as that sample's request would be when the
            # server is asked one sample at a time (samples_per_request 1).
            if params.greedy:
                copied = self.stream(prompt, replace(params, n=len(params.rows), rows=()), cancel)
                return (reindexed(event, list(params.rows)) for event in copied)
            requests = [_Request(r, 1, self._body(prompt, params, mode, 1, _row_seed(seed, r))) for r in params.rows]
            return self._run(prompt, params, mode, requests, 1, cancel)
        step = self.samples_per_request
        requests = [
            _Request(
                first,
                min(step, count - first),
                self._body(prompt, params, mode, min(step, count - first), _row_seed(seed, first)),
            )
            for first in range(0, count, step)
        ]
        return self._run(prompt, params, mode, requests, copies, cancel)

    def _body(self, prompt: str, params: SamplingParams, mode: str, n: int, seed: int) -> dict:
        alternatives = max(1, params.top_alternatives)
        body = {
            "model": self.info.name,
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
                **body,
                "max_tokens": params.max_new_tokens + instruct.rewrite_allowance(prompt),
                "messages": instruct.chat_messages(prompt),
                "logprobs": True,
                "top_logprobs": alternatives,
            }
        return {**body, "prompt": prompt, "stop": list(params.stop), "logprobs": alternatives}

    def _run(self, prompt, params, mode, requests, copies, cancel) -> Iterator[TokenDelta | CandidateDone]:
        started = time.perf_counter()
        state = {r: _Row() for req in requests for r in req.rows}
        events: queue.Queue = queue.Queue()
        path = "/chat/completions" if mode == "instruct" else "/completions"
        pool = cf.ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="remote")
        waiting, sent, failed = list(requests), [], []
        running: set[_Request] = set()

        def launch() -> None:
            # max_in_flight may drop to 1 during the run (see _cut): later requests then go alone.
            while waiting and len(running) < self.max_in_flight:
                req = waiting.pop(0)
                running.add(req)
                sent.append(req)
                pool.submit(self._request_worker, path, req, events)

        launch()
        try:
            while running and not (cancel is not None and cancel.is_set()):
                try:
                    kind, req, *payload = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if kind == "error":
                    raise payload[0]
                if kind == "reset":
                    for r in req.rows:
                        if state[r].finish is None:
                            state[r] = _Row()
                            yield from (TokenDelta(r + i, "", reset=True) for i in range(copies))
                elif kind == "chunk":
                    yield from self._on_chunk(req, payload[0], state, params, mode, prompt, started, copies)
                    if all(state[r].finish is not None for r in req.rows) and not all(
                        state[r].server_done for r in req.rows
                    ):
                        req.call.abort()  # the client cut a sample the server would continue: free the server
                else:  # "end"
                    running.discard(req)
                    cut = [r for r in req.rows if state[r].finish is None]
                    if cut and req.retry:
                        failed += cut
                    elif cut:
                        yield from self._cut(req, cut, state, waiting, copies)
                    launch()
            if failed and not (cancel is not None and cancel.is_set()):
                raise SamplesCut(
                    f"{self.info.url} ended {len(failed)} of {len(state)} samples before finishing "
                    "them, even when asked for one at a time, so they have no candidate. A server that "
                    f"stops a sample when another request arrives does this: {INTERRUPT_HINT}; and make "
                    "sure no other client uses it meanwhile"
                )
            for r, st in state.items():
                if st.finish is None:
                    st.finish = "cancelled"
                    yield from self._finish(r, st, prompt, mode, started, copies)
        finally:
            for req in sent:
                req.call.abort()
            pool.shutdown(wait=False, cancel_futures=True)

    def _cut(self, req: _Request, rows: list[int], state, waiting: list, copies: int):
        """The server ended `rows` of `req` unfinished: ask again for them alone, after the requests
        in flight, and send this server one request at a time from now on."""
        if self.max_in_flight > 1:
            self.max_in_flight = 1
            self.notify(
                f"notice: {self.info.url} cut samples short when another request arrived ({INTERRUPT_HINT}): "
                "they are sampled again, and this server gets one request at a time from now on"
            )
        for r in rows:
            state[r] = _Row()
            yield from (TokenDelta(r + i, "", reset=True) for i in range(copies))
        waiting.append(_Request(req.first, req.count, req.body, retry=True))

    def _request_worker(self, path: str, req: _Request, events: queue.Queue) -> None:
        try:
            for event in self.transport.stream(path, req.body, req.call, on_retry=lambda: events.put(("reset", req))):
                events.put(("chunk", req, event))
            events.put(("end", req))
        except Aborted:
            events.put(("end", req))
        except Exception as exc:  # noqa: BLE001 - handed to the consuming thread, which raises it
            events.put(("error", req, exc))

    # -- turning chunks into rows -------------------------------------------------------------

    def _on_chunk(self, req: _Request, event: dict, state, params, mode, prompt, started, copies):
        choices = event.get("choices")
        if not isinstance(choices, list):
            raise MalformedResponse(f"{self.info.url} sent a stream event without choices: {str(event)[:120]!r}")
        for choice in choices:
            index = choice.get("index", 0) if isinstance(choice, dict) else None
            if not isinstance(index, int) or not 0 <= index < req.count:
                raise MalformedResponse(
                    f"{self.info.url} sent a choice with index {index!r} for a request of {req.count} samples"
                )
            row = req.first + index
            st = state[row]
            if st.finish is not None:
                continue
            text, tokens = parse_choice(choice, mode, self.info.url)
            yield from self._append(row, st, text, tokens, params, mode, copies)
            st.server_done = bool(choice.get("finish_reason"))
            if st.cut is not None:
                st.finish = "stop"
            elif st.server_done:
                reason = finish_reason(choice, mode)
                # A sample cut off at once reads like one at its token limit, only without tokens.
                st.finish = None if reason == "length" and not st.has_tokens() else reason
            if st.finish is not None:
                yield from self._finish(row, st, prompt, mode, started, copies)

    def _append(self, row: int, st: _Row, text: str, tokens, params: SamplingParams, mode: str, copies: int):
        if tokens is None:
            st.missing_logprobs = True
        for piece, logprob, top in tokens or ():
            st.pieces.append(piece)
            st.logprobs.append(logprob)
            st.top.append(top[: params.top_alternatives])
            st.lengths.append((st.lengths[-1] if st.lengths else 0) + len(piece))
        previous = len(st.text)
        st.text += text
        if mode == "instruct":
            start = body_start(st.text)
            if start != st.start:
                # The reply opened its code block after some prose: the live text restarts at the code.
                st.start, st.streamed = start, 0
                yield from (TokenDelta(row + i, "", reset=True) for i in range(copies))
            end = stopping.find_block_end(st.text)
            st.cut = end
        else:
            longest = max((len(s) for s in params.stop), default=0)
            st.cut = stopping.find_stop(st.text, params.stop, max(0, previous - longest + 1))
        if st.cut is None:
            # A trailing U+FFFD is half a multi-byte character: hold it back until it completes.
            yield from self._flush(row, st, st.text[st.start :].rstrip("\ufffd"), copies)

    def _finish(self, row: int, st: _Row, prompt: str, mode: str, started: float, copies: int):
        if st.finish is None:  # callers set it first
            raise ValueError(f"row {row} is finished without a finish reason")
        cut = st.cut if st.cut is not None else len(st.text)
        raw = st.text[st.start : cut]
        yield from self._flush(row, st, raw, copies)
        # Servers that strip a stop string may still report its tokens: keep the tokens that
        # cover the kept text, and (instruct) drop those wholly inside prose before the code.
        # A sample stopped at once (text cut at 0) keeps no token: its first lies wholly in the stop string.
        keep = stopping.tokens_covering(st.lengths, cut) if st.lengths and cut > 0 else 0
        first = min(keep, sum(1 for end in st.lengths if end <= st.start))
        logprobs = [] if st.missing_logprobs else st.logprobs[first:keep]
        pieces = [] if st.missing_logprobs else st.pieces[first:keep]
        candidate = Candidate(
            index=row,
            text=instruct.completion_from_reply(prompt, raw) if mode == "instruct" else raw,
            raw_text=raw,
            token_ids=[UNKNOWN_TOKEN_ID] * len(pieces),
            token_logprobs=logprobs,
            finish_reason=st.finish,
            elapsed_s=time.perf_counter() - started,
            tokens=pieces,
            top_logprobs=[] if st.missing_logprobs else st.top[first:keep],
        )
        for i in range(copies):
            yield CandidateDone(replace(candidate, index=row + i))

    # -- scoring ------------------------------------------------------------------------------

    def score(self, context: str, continuation: str) -> list[float]:
        """Log-probs of the tokens of `continuation` after `context`, from the server's log-probs
        of an echoed prompt (the text is tokenized as a whole, so a token spanning the boundary
        counts as part of the continuation)."""
        if not self.info.logprobs:
            raise ScoringUnsupported(
                f"{self.info.url} returns no log-probs, so it cannot score a given text: turn back-translation off"
            )
        if not self.info.scoring:
            raise ScoringUnsupported(
                f"{self.info.url} cannot score a given text ({NO_SCORING_NOTICE}); turn back-translation off"
            )
        return [lp for _piece, lp in self._echo(context, continuation)]

    def _echo(self, context: str, continuation: str) -> list[tuple[str, float]]:
        if not continuation:
            return []
        text = context + continuation
        reply = self.transport.post_json(
            "/completions",
            {"model": self.info.name, "prompt": text, "max_tokens": 1, "temperature": 0, "echo": True, "logprobs": 1},
        )
        choice = (reply.get("choices") or [{}])[0]
        lp = choice.get("logprobs") if isinstance(choice, dict) else None
        if not isinstance(lp, dict) or not lp.get("text_offset") or lp.get("token_logprobs") is None:
            raise ScoringUnsupported(
                f"{self.info.url} does not return log-probs of the prompt (echo with logprobs), "
                "so it cannot score a given text: turn back-translation off"
            )
        scored = []
        for piece, logprob, offset in zip(lp.get("tokens") or [], lp["token_logprobs"], lp["text_offset"]):
            if offset < len(text) and offset + len(piece) > len(context):
                if logprob is None:
                    raise ScoringUnsupported(f"{self.info.url} returned no log-prob for a prompt token")
                scored.append((piece, float(logprob)))
        return scored

    def _echo_agrees(self) -> bool:
        """Whether echoed log-probs match sampled ones: greedy-sample a few tokens, then score them."""
        prompt = "def add(a, b):\n    return"
        sample = self.transport.post_json(
            "/completions",
            {"model": self.info.name, "prompt": prompt, "max_tokens": 3, "temperature": 0, "logprobs": 1},
        )
        lp = ((sample.get("choices") or [{}])[0] or {}).get("logprobs") or {}
        pieces, sampled = lp.get("tokens") or [], lp.get("token_logprobs") or []
        try:
            echoed = self._echo(prompt, "".join(pieces))
        except ScoringUnsupported:
            return False
        if [p for p, _ in echoed] != pieces or len(sampled) != len(pieces):
            return True  # tokenized differently when echoed: no evidence either way
        return all(abs(a - b) <= ECHO_AGREEMENT for (_p, a), b in zip(echoed, sampled))


# -- connection probes ----------------------------------------------------------------------


def _pick_model(transport: Transport, served_model: str | None) -> str:
    try:
        listing = transport.get_json("/models", retry_connect=False)
    except ServerFailed as exc:
        if exc.status != 404:
            raise
        if served_model is None:
            raise RemoteError(
                f"{transport.endpoint.base} does not list its models: name one with --served-model"
            ) from None
        return served_model
    models = [str(m["id"]) for m in listing.get("data") or [] if isinstance(m, dict) and m.get("id")]
    if served_model is None:
        if len(models) != 1:
            raise ModelNotFound(
                f"{transport.endpoint.base} serves {len(models)} models "
                f"({', '.join(models) or 'none'}): choose one with --served-model"
            )
        return models[0]
    if models and served_model not in models:
        raise ModelNotFound(f"{transport.endpoint.base} does not serve {served_model!r}; it serves {', '.join(models)}")
    return served_model


def _probe_has_logprobs(reply: dict, base: str) -> bool:
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse(f"{base}/completions answered without choices: {str(reply)[:120]!r}")
    lp = choices[0].get("logprobs")
    return isinstance(lp, dict) and bool(lp.get("token_logprobs"))


def _has_chat(transport: Transport, name: str) -> bool:
    try:
        transport.post_json(
            "/chat/completions",
            {"model": name, "max_tokens": 1, "temperature": 0, "messages": [{"role": "user", "content": "Hi"}]},
        )
    except AuthFailed:
        raise
    except ServerFailed:
        return False  # a base model without a chat template is refused (vLLM: 400)
    return True
