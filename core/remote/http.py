"""HTTP for the remote backend: JSON requests and server-sent-event streams to an OpenAI-compatible
server, with timeouts, retries with backoff on 429 and 5xx, aborts from another thread, and every
failure turned into one sentence a user can act on. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.displayable import one_line
from core.models.info import ModelLoadError
from core.remote.secrets import ENV_VAR, redact

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
# What one reply may hold: an event of a stream (a few tokens and their alternatives), a whole
# JSON answer (the echo of a long prompt with log-probs). Past these a server is not answering.
MAX_EVENT_BYTES = 1 << 20
MAX_BODY_BYTES = 16 << 20
_MESSAGE_CHARS = 300  # of a server's error text quoted in a message

JsonObject = dict[str, Any]  # a parsed JSON object, as requests and replies are


# ModelLoadError (a ValueError) is what the CLI and the GUI already report as a one-line reason.
class RemoteError(ModelLoadError):
    """The server could not be used; the message says why."""


class ServerUnreachable(RemoteError):
    """No connection, a connection lost mid-response, or no answer in time."""


class AuthFailed(RemoteError):
    """401 or 403: the API key is missing or refused."""


class ModelNotFound(RemoteError):
    """The server does not serve the requested model."""


class MalformedResponse(RemoteError):
    """The server answered something that is not the OpenAI API."""


class ServerFailed(RemoteError):
    """An error status: 429 or 5xx after every retry, or a rejected request."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Aborted(Exception):
    """The call was aborted by `Call.abort` (cancel, or the client needs no more tokens)."""


class _Retry(Exception):
    """A failure worth another attempt; `final` is what to raise when attempts run out."""

    def __init__(self, final: RemoteError, delay_s: float | None = None):
        super().__init__(str(final))
        self.final, self.delay_s = final, delay_s


@dataclass(frozen=True)
class Endpoint:
    base: str  # scheme://host:port/prefix, where prefix is usually /v1
    api_key: str | None = field(default=None, repr=False)  # repr=False: never in logs or tracebacks
    connect_timeout_s: float = 10.0
    # Between two chunks of a response; a queued request on a busy server waits this long.
    read_timeout_s: float = 300.0
    retries: int = 3
    backoff_s: float = 0.5

    @classmethod
    def from_url(cls, url: str, api_key: str | None = None, **options: Any) -> Endpoint:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RemoteError(f"not a server URL: {url!r} (expected http://host:port/v1)")
        if parts.username or parts.password:
            raise RemoteError(f"put the API key in {ENV_VAR} or the OS keyring, not in the URL")
        path = parts.path.rstrip("/") or "/v1"
        return cls(f"{parts.scheme}://{parts.netloc}{path}", api_key, **options)


class Call:
    """One request that another thread may abort; aborting closes its socket, which also tells
    the server (vLLM, llama.cpp) to stop generating for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # The socket itself: http.client hands it from the connection to the response.
        self._sock: socket.socket | None = None
        self.aborted = False

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.aborted:
                _shutdown(sock)

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            if self._sock is not None:
                _shutdown(self._sock)


def _shutdown(sock: socket.socket) -> None:
    # shutdown() wakes a thread blocked in recv() at once; close() alone may not.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Transport:
    def __init__(self, endpoint: Endpoint, sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self._sleep = sleep
        parts = urlsplit(endpoint.base)
        if not parts.hostname:  # Endpoint.from_url refuses such URLs; a hand-built Endpoint may not
            raise RemoteError(f"not a server URL: {endpoint.base!r} (expected http://host:port/v1)")
        self._https = parts.scheme == "https"
        self._host, self._port, self._prefix = parts.hostname, parts.port, parts.path

    # -- public -------------------------------------------------------------------------------

    def get_json(self, path: str, retry_connect: bool = True) -> JsonObject:
        return self._with_retries(lambda call: self._once("GET", path, None, call), Call(), retry_connect)

    def post_json(
        self, path: str, body: JsonObject, call: Call | None = None, retry_connect: bool = True
    ) -> JsonObject:
        return self._with_retries(lambda c: self._once("POST", path, body, c), call or Call(), retry_connect)

    def stream(self, path: str, body: JsonObject, call: Call, on_retry: Callable[[], None]) -> Iterator[JsonObject]:
        """The JSON events of an SSE response. A failure after events were yielded calls
        `on_retry` (the caller drops what it got) before the request starts again."""
        for attempt in range(self.endpoint.retries + 1):
            yielded = False
            try:
                for event in self._stream_once(path, body, call):
                    yielded = True
                    yield event
                return
            except _Retry as retry:
                if attempt == self.endpoint.retries or call.aborted:
                    if call.aborted:
                        raise Aborted() from None
                    raise retry.final from None
                self._sleep(self._delay(attempt, retry.delay_s))
                if yielded:
                    on_retry()

    # -- one attempt --------------------------------------------------------------------------

    def _with_retries(self, once: Callable[[Call], JsonObject], call: Call, retry_connect: bool) -> JsonObject:
        for attempt in range(self.endpoint.retries + 1):
            try:
                return once(call)
            except _Retry as retry:
                give_up = attempt == self.endpoint.retries or call.aborted
                if give_up or (not retry_connect and isinstance(retry.final, ServerUnreachable)):
                    raise retry.final from None
                self._sleep(self._delay(attempt, retry.delay_s))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = self.endpoint.backoff_s * 2.0**attempt
        return min(MAX_RETRY_AFTER_S, max(backoff, retry_after or 0.0))

    def _open(
        self, method: str, path: str, body: JsonObject | None, call: Call, accept: str
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        ep = self.endpoint
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=ep.connect_timeout_s)
        headers = {"Accept": accept, "User-Agent": "codesynth-studio"}
        if ep.api_key:
            headers["Authorization"] = f"Bearer {ep.api_key}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        url = self._prefix + path
        try:
            conn.connect()
        except Exception as exc:  # noqa: BLE001 - http.client and ssl raise many types; all mean the call failed
            conn.close()
            raise self._network_error(exc, call, started=False) from None
        try:
            call.attach(conn.sock)
            conn.sock.settimeout(ep.read_timeout_s)
            conn.request(method, url, body=data, headers=headers)
            resp = conn.getresponse()
        except Exception as exc:  # noqa: BLE001 - as above
            conn.close()
            raise self._network_error(exc, call, started=False, connected=True) from None
        if resp.status >= 400:
            text = resp.read(20000).decode("utf-8", "replace")
            conn.close()
            raise self._status_error(resp, text, method, url, body)
        return conn, resp

    def _once(self, method: str, path: str, body: JsonObject | None, call: Call) -> JsonObject:
        conn, resp = self._open(method, path, body, call, "application/json")
        try:
            raw = resp.read(MAX_BODY_BYTES + 1)
        except Exception as exc:  # noqa: BLE001 - as in _open
            raise self._network_error(exc, call, started=True) from None
        finally:
            resp.close()
            conn.close()
        if len(raw) > MAX_BODY_BYTES:
            raise MalformedResponse(f"{self.endpoint.base}{path} answered more than {MAX_BODY_BYTES >> 20} MiB")
        return self._json(raw.decode("utf-8", "replace"), path)

    def _stream_once(self, path: str, body: JsonObject, call: Call) -> Iterator[JsonObject]:
        conn, resp = self._open("POST", path, body, call, "text/event-stream")
        try:
            kind = resp.getheader("Content-Type", "")
            if "text/event-stream" not in kind:
                raise MalformedResponse(
                    f"{self.endpoint.base}{path} answered {kind or 'no content type'}, "
                    "not an event stream; is this an OpenAI-compatible server?"
                )
            for data in self._sse_data(resp, call):
                if data == "[DONE]":
                    return
                event = self._json(data, path)
                if "error" in event:
                    raise self._event_error(event["error"])
                yield event
            if call.aborted:
                raise Aborted()
            raise _Retry(
                ServerUnreachable(
                    f"lost the connection to {self.endpoint.base} mid-response "
                    "(the stream ended before [DONE]); is the server still running?"
                )
            )
        finally:
            # Closing (not only shutting down) the socket is what makes the server see the client go.
            resp.close()
            conn.close()

    def _sse_data(self, resp: http.client.HTTPResponse, call: Call) -> Iterator[str]:
        data: list[str] = []
        # Comment lines (": ping") keep the socket busy: only data counts as an answer.
        wait_s = self.endpoint.read_timeout_s
        deadline = time.monotonic() + wait_s
        while True:
            try:
                line = resp.readline(MAX_EVENT_BYTES + 1)
            except Exception as exc:  # noqa: BLE001 - as in _open
                raise self._network_error(exc, call, started=True) from None
            if not line:
                if call.aborted:
                    raise Aborted()
                break
            if len(line) > MAX_EVENT_BYTES:
                raise MalformedResponse(
                    f"{self.endpoint.base} sent a stream line of more than {MAX_EVENT_BYTES >> 20} MiB"
                )
            if time.monotonic() > deadline:
                raise ServerUnreachable(f"{self.endpoint.base} sent no data within {wait_s:g} s")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                if data:
                    yield "\n".join(data)
                    data = []
                continue
            name, _, value = text.partition(":")
            if name == "data":
                data.append(value[1:] if value.startswith(" ") else value)
                deadline = time.monotonic() + wait_s
        if data:
            yield "\n".join(data)

    # -- errors -------------------------------------------------------------------------------

    def _network_error(self, exc: Exception, call: Call, started: bool, connected: bool = False) -> Exception:
        """`started`: the response had begun; `connected`: the connection was made, the answer not yet."""
        if call.aborted:
            return Aborted()
        base = self.endpoint.base
        if isinstance(exc, (socket.timeout, TimeoutError)) and (started or connected):
            # Silent for the whole read timeout (minutes): asking again would only double the wait.
            return ServerUnreachable(f"{base} did not answer within {self.endpoint.read_timeout_s:g} s")
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return _Retry(ServerUnreachable(f"{base} did not answer within {self.endpoint.connect_timeout_s:g} s"))
        if isinstance(exc, socket.gaierror):
            return _Retry(ServerUnreachable(f"cannot reach {base}: unknown host {self._host!r}"))
        if started or isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
            return _Retry(
                ServerUnreachable(
                    f"lost the connection to {base} mid-response ({type(exc).__name__}); is the server still running?"
                )
            )
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
            return _Retry(
                ServerUnreachable(
                    f"cannot reach {base}: {reason.lower()}; is the server running and are host and port right?"
                )
            )
        return MalformedResponse(f"{base} answered something that is not HTTP ({type(exc).__name__})")

    def _status_error(
        self, resp: http.client.HTTPResponse, text: str, method: str, url: str, body: JsonObject | None
    ) -> Exception:
        status, base = resp.status, self.endpoint.base
        message = redact(_error_message(text), self.endpoint.api_key)
        if status in (401, 403):
            sent = "the API key was refused" if self.endpoint.api_key else f"no API key was sent (set {ENV_VAR})"
            return AuthFailed(f"{base} answered {status} {resp.reason}: {sent}" + (f" ({message})" if message else ""))
        if status == 404 and body is not None and "model" in message.lower():
            return ModelNotFound(f"{base} does not serve model {body.get('model')!r}: {message}")
        if status == 404:
            return ServerFailed(
                f"{base} has no OpenAI endpoint here (404 on {method} {url}); the URL usually ends in /v1", status
            )
        failure = ServerFailed(f"{base} answered {status} {resp.reason}" + (f": {message}" if message else ""), status)
        if status in RETRY_STATUS:
            return _Retry(failure, _retry_after(resp.getheader("Retry-After")))
        return failure

    def _event_error(self, error: object) -> RemoteError:
        message = error.get("message", "") if isinstance(error, dict) else error
        return ServerFailed(
            f"{self.endpoint.base} reported an error mid-stream: "
            f"{redact(one_line(str(message), _MESSAGE_CHARS), self.endpoint.api_key)}"
        )

    def _json(self, text: str, path: str) -> JsonObject:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise MalformedResponse(
                f"{self.endpoint.base}{path} answered something that is not a JSON object: "
                f"{redact(text[:120], self.endpoint.api_key)!r}"
            )
        return value


def _error_message(text: str) -> str:
    """The message of an OpenAI-style error body ({"error": {"message": ...}}), else the text."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return one_line(text, _MESSAGE_CHARS)
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        return one_line(str(error.get("message") or error.get("detail") or body.get("detail") or ""), _MESSAGE_CHARS)
    return one_line(str(error), _MESSAGE_CHARS)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
