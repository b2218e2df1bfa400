"""A small OpenAI-compatible server for unit tests: /v1/models, /v1/completions and
/v1/chat/completions with SSE streaming, scripted replies and injectable failures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A reply: the pieces (one per token) the model "samples", each with its log-prob.
Script = Callable[[dict], list[tuple[str, float]]]


def default_script(body: dict) -> list[tuple[str, float]]:
    """Text that depends on the seed, so distinct rows are told apart."""
    seed = body.get("seed", 0)
    return [("    return", -0.5), (f" {seed % 1000}", -1.0), ("\n", -0.25), ("\ndef", -0.1), (" g", -0.2)]


@dataclass
class Behaviour:
    script: Script = default_script
    models: list[str] = field(default_factory=lambda: ["fake-model"])
    api_key: str | None = None
    chat: bool = True
    logprobs: bool = True
    server_stops: bool = True  # cut at the request's stop strings, as vLLM and llama.cpp do
    stop_token_reported: bool = False  # also report the log-prob of the token holding the stop
    token_delay_s: float = 0.0
    fail_statuses: list[int] = field(default_factory=list)  # answered (then popped) before any success
    retry_after: str | None = None  # sent with 429
    drop_after_tokens: list[int] = field(default_factory=list)  # close mid-stream (then popped)
    error_body: str = ""
    malformed: bool = False
    no_done: bool = False
    # As llama_cpp.server by default: one request at a time, and one waiting for the model ends the
    # one being streamed ([DONE] after its current chunk, with no finish_reason).
    interrupt_requests: bool = False
    finish_reason_when_cut: str | None = None  # vLLM-like servers say "abort" instead
    cut_every_stream: bool = False  # cut even a request that is alone (as another client's requests would)
    # A hostile or broken server: rewrites each streamed choice (given it and its row's seed).
    rewrite: Callable[[dict, int], dict] | None = None
    pings_s: float = 0.0  # SSE comment lines (": ping") for this long before the first event
    ignores_max_tokens: bool = False  # writes its whole script, whatever max_tokens asks


class FakeOpenAI:
    def __init__(self, behaviour: Behaviour | None = None):
        self.behaviour = behaviour or Behaviour()
        self.requests: list[tuple[str, dict, dict]] = []  # (path, headers, body)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.disconnects = 0
        self.interrupted = 0
        # llama_cpp.server's pair of locks: a request holds `outer` while it waits for `inner`,
        # which is how the request being streamed sees that another one is waiting.
        self.outer, self.inner = threading.Lock(), threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self, path: str) -> list[dict]:
        return [b for p, _h, b in self.requests if p == path]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                if not self._authorized({}):
                    return
                if self.path == "/v1/models":
                    self._json(
                        200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.behaviour.models]}
                    )
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with fake.lock:
                    fake.requests.append((self.path, dict(self.headers), body))
                if not self._authorized(body):
                    return
                b = fake.behaviour
                with fake.lock:
                    status = b.fail_statuses.pop(0) if b.fail_statuses else None
                if status is not None:
                    headers = {"Retry-After": b.retry_after} if b.retry_after and status == 429 else {}
                    self._json(status, {"error": {"message": b.error_body or f"status {status}"}}, headers)
                    return
                if self.path == "/v1/chat/completions" and not b.chat:
                    self._json(400, {"error": {"message": "this model has no chat template"}})
                    return
                if body.get("model") not in b.models:
                    self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
                    return
                if self.path not in ("/v1/completions", "/v1/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                if not body.get("stream"):
                    self._json(200, {"choices": [self._full_choice(body)]}) if not body.get("echo") else self._echo(
                        body
                    )
                    return
                with fake.lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                self.released = False
                try:
                    self._stream(body)
                finally:
                    self._release()

            # -- helpers ------------------------------------------------------------------

            def _authorized(self, body) -> bool:
                key = fake.behaviour.api_key
                if key is None or self.headers.get("Authorization") == f"Bearer {key}":
                    return True
                # Like some gateways, echo what was sent: the client must redact it.
                sent = self.headers.get("Authorization", "")
                self._json(401, {"error": {"message": f"invalid key {sent!r}"}})
                return False

            def _json(self, status: int, data: dict, headers: dict | None = None):
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _tokens(self, body) -> tuple[list[tuple[str, float]], str]:
                """The scripted tokens after stops and max_tokens, and the finish reason."""
                b = fake.behaviour
                tokens, text, finish = [], "", "length"
                limit = None if b.ignores_max_tokens else body.get("max_tokens", 16)
                for piece, lp in b.script(body)[:limit]:
                    text += piece
                    stops = body.get("stop") or [] if b.server_stops else []
                    hit = min((text.find(s) for s in stops if s in text), default=-1)
                    if hit >= 0:
                        if b.stop_token_reported:
                            tokens.append((piece, lp))
                        return tokens, "stop", hit
                    tokens.append((piece, lp))
                else:
                    finish = "stop" if len(tokens) < body.get("max_tokens", 16) else "length"
                return tokens, finish, None

            def _choice_delta(self, body, index, piece, lp, finish, emitted_text):
                b = fake.behaviour
                chat = self.path == "/v1/chat/completions"
                top = [(piece, lp), ("<alt>", lp - 1.0)]
                if chat:
                    choice = {
                        "index": index,
                        "delta": {"content": emitted_text} if emitted_text else {},
                        "finish_reason": finish,
                    }
                    if b.logprobs and piece is not None:
                        choice["logprobs"] = {
                            "content": [
                                {
                                    "token": piece,
                                    "logprob": lp,
                                    "top_logprobs": [{"token": t, "logprob": v} for t, v in top],
                                }
                            ]
                        }
                    else:
                        choice["logprobs"] = None
                else:
                    choice = {"index": index, "text": emitted_text, "finish_reason": finish}
                    if b.logprobs and piece is not None:
                        choice["logprobs"] = {
                            "tokens": [piece],
                            "token_logprobs": [lp],
                            "top_logprobs": [dict(top)],
                            "text_offset": [0],
                        }
                    else:
                        choice["logprobs"] = None
                if b.rewrite is not None:
                    choice = b.rewrite(choice, body.get("seed", 0) + index)
                return choice

            def _stream(self, body):
                if not fake.behaviour.interrupt_requests:
                    self._stream_events(body, waiting=lambda: fake.behaviour.cut_every_stream)
                    return
                with fake.outer:
                    fake.inner.acquire()
                try:
                    self._stream_events(body, waiting=fake.outer.locked)
                finally:
                    fake.inner.release()

            def _stream_events(self, body, waiting):
                b = fake.behaviour
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                with fake.lock:
                    drop = b.drop_after_tokens.pop(0) if b.drop_after_tokens else None
                n = body.get("n", 1)
                chat = self.path == "/v1/chat/completions"
                try:
                    pinged_until = time.monotonic() + b.pings_s
                    while time.monotonic() < pinged_until:
                        self.wfile.write(b": ping\n\n")
                        self.wfile.flush()
                        time.sleep(0.05)
                    if chat:  # the role comes first, in a chunk of its own
                        self._event(
                            {
                                "choices": [
                                    {"index": i, "delta": {"role": "assistant"}, "finish_reason": None}
                                    for i in range(n)
                                ]
                            }
                        )
                        time.sleep(b.token_delay_s)
                    for index in range(n):
                        tokens, finish, hit = self._tokens({**body, "seed": body.get("seed", 0) + index})
                        text_so_far = 0
                        if waiting():
                            self._cut(body, n, index)
                            return
                        for k, (piece, lp) in enumerate(tokens):
                            if drop is not None and k == drop:
                                self.wfile.flush()
                                self.connection.shutdown(2)
                                return
                            if b.malformed:
                                self.wfile.write(b"data: {not json\n\n")
                                self.wfile.flush()
                                return
                            emitted = piece
                            if hit is not None:  # the server strips the stop text from what it sends
                                emitted = piece[: max(0, hit - text_so_far)]
                            text_so_far += len(piece)
                            self._event({"choices": [self._choice_delta(body, index, piece, lp, None, emitted)]})
                            time.sleep(b.token_delay_s)
                            if waiting():
                                self._cut(body, n, index)
                                return
                        self._event({"choices": [self._choice_delta(body, index, None, 0.0, finish, "")]})
                    # Counted out before [DONE]: a client may start its next request once it reads it.
                    self._release()
                    if not b.no_done:
                        self.wfile.write(b"data: [DONE]\n\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    with fake.lock:
                        fake.disconnects += 1

            def _cut(self, body, n, index):
                """End the stream as an interrupted llama_cpp.server does: [DONE], and no finish_reason
                for the samples from `index` on (or the configured one, as vLLM's "abort")."""
                reason = fake.behaviour.finish_reason_when_cut
                if reason is not None:
                    ends = [self._choice_delta(body, i, None, 0.0, reason, "") for i in range(index, n)]
                    self._event({"choices": ends})
                with fake.lock:
                    fake.interrupted += 1
                self._release()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _release(self):
                with fake.lock:
                    if not self.released:
                        fake.in_flight -= 1
                        self.released = True

            def _event(self, data):
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

            def _full_choice(self, body):
                tokens, finish, _hit = self._tokens(body)
                text = "".join(p for p, _ in tokens)
                if self.path == "/v1/chat/completions":
                    return {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                lp = (
                    {
                        "tokens": [p for p, _ in tokens],
                        "token_logprobs": [v for _, v in tokens],
                        "top_logprobs": [{p: v} for p, v in tokens],
                        "text_offset": [0] * len(tokens),
                    }
                    if fake.behaviour.logprobs
                    else None
                )
                return {"index": 0, "text": text, "logprobs": lp, "finish_reason": finish}

            def _echo(self, body):
                # Tokens of 3 characters; log-prob -(position+1)/10; the first has none, as in
                # real servers; then one generated token.
                prompt = body["prompt"]
                pieces = [prompt[i : i + 3] for i in range(0, len(prompt), 3)] + ["!"]
                offsets = list(range(0, len(prompt), 3)) + [len(prompt)]
                lps = [None] + [-(i + 1) / 10 for i in range(1, len(pieces))]
                lp = (
                    {"tokens": pieces, "token_logprobs": lps, "top_logprobs": None, "text_offset": offsets}
                    if fake.behaviour.logprobs
                    else None
                )
                self._json(
                    200, {"choices": [{"index": 0, "text": prompt + "!", "logprobs": lp, "finish_reason": "length"}]}
                )

        return Handler
