"""The remote backend: sampling from an OpenAI-compatible server (vLLM, llama.cpp, ...) with the
same events and Candidates as the local engine, so the GUI, the CLI, eval and the sampling lab
work unchanged.

Candidates are spread over requests of `samples_per_request` samples each (core.remote.requests),
at most `max_in_flight` at a time, and streamed (SSE) so that candidates appear live; the stream's
text and tokens become Candidates by the local engine's rules (core.sampling.candidate_assembly).
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from core.remote import chunks as remote_chunks
from core.remote import requests as remote_requests
from core.remote.chunks import UNKNOWN_TOKEN_ID, ServerSpelling
from core.remote.http import Aborted, Endpoint, JsonObject, MalformedResponse, RemoteError, Transport
from core.remote.info import NO_LOGPROBS_NOTICE, RemoteInfo, probe
from core.remote.requests import SampleRequest
from core.remote.scoring import NO_SCORING_NOTICE, ScoringUnsupported, echo_agrees, echoed_logprobs
from core.remote.secrets import api_key
from core.sampling.candidate import reindexed
from core.sampling.candidate_assembly import Assembly, Event, Row
from core.sampling.interface import Capabilities, SamplingBackend
from core.sampling.params import InvalidParams, SamplingParams

if TYPE_CHECKING:
    import torch

# Importers name these from here: the backend's errors, notices and its token-id placeholder.
__all__ = [
    "NO_LOGPROBS_NOTICE",
    "NO_SCORING_NOTICE",
    "UNKNOWN_TOKEN_ID",
    "RemoteBackend",
    "RemoteError",
    "RemoteInfo",
    "SamplesCut",
    "ScoringUnsupported",
]

# llama_cpp.server, started as its documentation shows, ends the request it is streaming whenever
# another one arrives (its interrupt_requests setting): the cut samples end without a finish reason.
INTERRUPT_HINT = (
    "llama_cpp.server does so unless it is started with --interrupt_requests False; with vLLM, look "
    "for aborted requests in its log"
)


# The most characters a token holds in practice (a run of spaces), with room to spare.
_CHARS_PER_TOKEN = 32


class SamplesCut(RemoteError):
    """The server ended samples before finishing them, even when they were asked for alone."""


@dataclass(frozen=True)
class _Arrived:
    """A stream event for `request`."""

    request: SampleRequest
    event: JsonObject


@dataclass(frozen=True)
class _Restarted:
    """The transport sends `request` again from its start, after a failure mid-stream."""

    request: SampleRequest


@dataclass(frozen=True)
class _Ended:
    """`request`'s stream ended (finished, cut by the server, or aborted)."""

    request: SampleRequest


@dataclass(frozen=True)
class _Failed:
    """`request` failed for good (after the transport's retries)."""

    request: SampleRequest
    error: Exception


_WorkerMessage = _Arrived | _Restarted | _Ended | _Failed


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
        **endpoint_options: Any,
    ) -> RemoteBackend:
        """Connect and probe (core.remote.info, then the echo probe for scoring). This is also
        the GUI's connection test."""
        endpoint = Endpoint.from_url(url, **endpoint_options)
        transport = Transport(replace(endpoint, api_key=api_key(endpoint.base)))
        progress(f"connecting to {endpoint.base}")
        info = probe(transport, served_model)
        info = replace(info, scoring=info.logprobs and echo_agrees(transport, info.name))
        if not info.logprobs:
            progress(f"notice: {NO_LOGPROBS_NOTICE}")
        elif not info.scoring:
            progress(f"notice: {NO_SCORING_NOTICE}")
        progress(f"connected: {info.describe()}")
        return cls(transport, info, max_in_flight, samples_per_request, notify=progress)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            scoring=self.info.scoring,
            token_logprobs=self.info.logprobs,
            next_token_logits=False,  # a server gives only the top few log-probs of a position
            forced_prefix=False,  # see `stream`
        )

    # -- sampling -----------------------------------------------------------------------------

    def stream(self, prompt: str, params: SamplingParams, cancel: threading.Event | None = None) -> Iterator[Event]:
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
        if params.rows and params.greedy:
            # Greedy samples are identical: draw the one sample and copy it to the wanted rows.
            copied = self.stream(prompt, replace(params, n=len(params.rows), rows=()), cancel)
            return (reindexed(event, list(params.rows)) for event in copied)
        requests = remote_requests.plan(self.info.name, prompt, params, mode, seed, self.samples_per_request)
        return self._run(prompt, params, mode, requests, cancel)

    def _run(
        self,
        prompt: str,
        params: SamplingParams,
        mode: str,
        requests: list[SampleRequest],
        cancel: threading.Event | None,
    ) -> Iterator[Event]:
        rows = [r for req in requests for r in req.rows]
        copies = params.n if params.greedy else 1
        assembly = Assembly(prompt, mode, params.stop, ServerSpelling(), rows, copies=copies)
        messages: queue.Queue[_WorkerMessage] = queue.Queue()
        path = remote_requests.endpoint_path(mode)
        pool = cf.ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="remote")
        waiting, sent, failed = list(requests), [], []
        running: set[SampleRequest] = set()
        server_done: set[int] = set()  # rows whose finish_reason the server sent
        broken: dict[SampleRequest, Exception] = {}  # requests that failed, and why
        errors: list[Exception] = []  # why samples have no candidate, raised once the others are done

        def launch() -> None:
            # max_in_flight may drop to 1 during the run (see _cut): later requests then go alone.
            while waiting and len(running) < self.max_in_flight:
                req = waiting.pop(0)
                running.add(req)
                sent.append(req)
                pool.submit(self._request_worker, path, req, messages)

        def cancelled() -> bool:
            return cancel is not None and cancel.is_set()

        launch()
        try:
            while running and not cancelled():
                try:
                    message = messages.get(timeout=0.05)
                except queue.Empty:
                    continue
                req = message.request
                if isinstance(message, _Restarted) and req not in broken:
                    for r in req.rows:
                        if assembly.rows[r].finish is None:
                            server_done.discard(r)
                            yield from assembly.restart(r)
                elif isinstance(message, _Arrived) and req not in broken:
                    try:
                        yield from self._on_chunk(req, message.event, assembly, params.top_alternatives, server_done)
                    except MalformedResponse as error:
                        # One request's bad reply costs its own samples only; the others go on.
                        broken[req] = error
                        req.call.abort()
                        continue
                    if all(assembly.rows[r].finish is not None for r in req.rows) and not server_done >= set(req.rows):
                        req.call.abort()  # the client cut a sample the server would continue: free the server
                elif isinstance(message, _Failed | _Ended):
                    running.discard(req)
                    cut = [r for r in req.rows if assembly.rows[r].finish is None]
                    if isinstance(message, _Failed):
                        broken[req] = message.error
                        if not isinstance(message.error, MalformedResponse):
                            waiting.clear()  # unreachable, or refusing after every retry: ask no more
                    if cut and req in broken:
                        errors.append(broken[req])
                    elif cut and req.retry:
                        failed += cut
                    elif cut:
                        server_done.difference_update(cut)
                        yield from self._cut(req, cut, assembly, waiting)
                    launch()
            if errors and not cancelled():
                raise errors[0]
            if failed and not cancelled():
                raise SamplesCut(
                    f"{self.info.url} ended {len(failed)} of {len(rows)} samples before finishing "
                    "them, even when asked for one at a time, so they have no candidate. A server that "
                    f"stops a sample when another request arrives does this: {INTERRUPT_HINT}; and make "
                    "sure no other client uses it meanwhile"
                )
            for r, row in assembly.rows.items():
                if row.finish is None:
                    yield from assembly.finish(r, "cancelled")
        finally:
            for req in sent:
                req.call.abort()
            pool.shutdown(wait=False, cancel_futures=True)

    def _cut(
        self, req: SampleRequest, rows: list[int], assembly: Assembly[str], waiting: list[SampleRequest]
    ) -> Iterator[Event]:
        """The server ended `rows` of `req` unfinished: ask again for them alone, after the requests
        in flight, and send this server one request at a time from now on."""
        if self.max_in_flight > 1:
            self.max_in_flight = 1
            self.notify(
                f"notice: {self.info.url} cut samples short when another request arrived ({INTERRUPT_HINT}): "
                "they are sampled again, and this server gets one request at a time from now on"
            )
        for r in rows:
            yield from assembly.restart(r)
        waiting.append(req.again())

    def _request_worker(self, path: str, req: SampleRequest, messages: queue.Queue[_WorkerMessage]) -> None:
        try:
            for event in self.transport.stream(
                path, req.body, req.call, on_retry=lambda: messages.put(_Restarted(req))
            ):
                messages.put(_Arrived(req, event))
            messages.put(_Ended(req))
        except Aborted:
            messages.put(_Ended(req))
        except Exception as exc:  # noqa: BLE001 - handed to the consuming thread, which raises it
            messages.put(_Failed(req, exc))

    def _on_chunk(
        self,
        req: SampleRequest,
        event: JsonObject,
        assembly: Assembly[str],
        alternatives: int,
        server_done: set[int],
    ) -> Iterator[Event]:
        choices = event.get("choices")
        if not isinstance(choices, list):
            raise MalformedResponse(f"{self.info.url} sent a stream event without choices: {str(event)[:120]!r}")
        for choice in choices:
            index = choice.get("index", 0) if isinstance(choice, dict) else None
            if not isinstance(index, int) or not 0 <= index < req.count:
                raise MalformedResponse(
                    f"{self.info.url} sent a choice with index {index!r} for a request of {req.count} samples"
                )
            r = req.first + index
            row = assembly.rows[r]
            if row.finish is not None:
                continue
            text, tokens = remote_chunks.parse_choice(choice, assembly.mode, self.info.url)
            written = remote_chunks.written(tokens, row.written_length, alternatives)
            yield from assembly.write(r, row.text + text, written)
            reason = None
            if choice.get("finish_reason"):
                server_done.add(r)
                reason = remote_chunks.finish_reason(choice, assembly.mode)
                if reason == "length" and not (row.tokens or row.text):
                    reason = None  # a sample cut off at once reads like one at its token limit, only without tokens
            if reason is None and _past_limit(row, req.body["max_tokens"]):
                reason = "length"  # a server writing past the limit it was sent would be read for ever
            if row.finish is not None:  # the client found the stop: it wins over the server's reason
                yield from assembly.finish(r, "stop")
            elif reason is not None:
                yield from assembly.finish(r, reason)
            else:
                yield from assembly.flush(r)

    # -- scoring ------------------------------------------------------------------------------

    def score(self, context: str, continuation: str) -> list[float]:
        """Log-probs of the tokens of `continuation` after `context`, from the server's log-probs
        of an echoed prompt (core.remote.scoring)."""
        if not self.info.logprobs:
            raise ScoringUnsupported(
                f"{self.info.url} returns no log-probs, so it cannot score a given text: turn back-translation off"
            )
        if not self.info.scoring:
            raise ScoringUnsupported(
                f"{self.info.url} cannot score a given text ({NO_SCORING_NOTICE}); turn back-translation off"
            )
        return [lp for _piece, lp in echoed_logprobs(self.transport, self.info.name, context, continuation)]

    def next_token_logits(self, prompt: str, written_ids: list[int], mode: str = "auto") -> torch.Tensor:
        raise NotImplementedError(
            f"{self.info.url} does not give the whole next-token distribution, only its top few log-probs"
        )


def _past_limit(row: Row[str], max_tokens: int) -> bool:
    # Without log-probs a row's tokens are not counted: its characters are, at a generous rate.
    return len(row.tokens) > max_tokens or len(row.text) > _CHARS_PER_TOKEN * max_tokens
