"""The engine host's process loop: it holds the model and the app's one sandbox pool, and only
calls `core` and the jobs in `core.host.jobs`.

The model runs in its own process so that importing torch and decoding never take the GUI's
interpreter lock: the window stays responsive, and Stop during a load can end the load at once.
The sandbox pool lives here too, beside the model: a Workbench run's verdicts come from the same
pipeline as every other front end's (core.host.runs), and the jobs share the same workers.
Commands and replies are the dataclasses of core.host.protocol.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from core.host import runs
from core.host.protocol import (
    AskNextTokenLogits,
    Command,
    Generate,
    GenerateFailed,
    JobDone,
    JobFailed,
    JobUpdate,
    Load,
    Loaded,
    LoadFailed,
    NextTokenLogits,
    Probe,
    ProbeResult,
    Progress,
    Quit,
    Reply,
    RunTests,
    SandboxReady,
    SandboxUnavailable,
    StartJob,
)
from core.host.runs import Send

if TYPE_CHECKING:
    from sandbox import SandboxPool

NO_MODEL = "No model is loaded: choose one in the model bar."


class _Replies:
    """The pipe's sending end, shared by the loop and the thread that starts the sandbox."""

    def __init__(self, conn: Any):
        self._conn, self._lock = conn, threading.Lock()

    def send(self, reply: Reply) -> None:
        with self._lock:
            self._conn.send(reply)


class _Sandbox:
    """The app's one sandbox pool. Its workers start in the background as the host starts, so
    they are ready by the time a model has loaded; whoever needs the pool waits for them."""

    def __init__(self, replies: _Replies):
        self.pool: SandboxPool | None = None
        self.error = ""
        self._started = threading.Thread(target=self._start, args=(replies,), name="sandbox-start", daemon=True)
        self._started.start()

    def _start(self, replies: _Replies) -> None:
        from sandbox import SandboxPool

        try:
            self.pool = SandboxPool()
        except Exception as exc:  # noqa: BLE001 - whatever stops the sandbox, the user is told why
            self.error = str(exc) or type(exc).__name__
            replies.send(SandboxUnavailable(self.error))
            return
        replies.send(SandboxReady(dict(self.pool.layers)))

    def get(self) -> SandboxPool | None:
        self._started.join()
        return self.pool

    def require(self) -> SandboxPool:
        """The pool, for a job; a job cannot run without one."""
        from sandbox import SandboxUnavailable as Unavailable

        pool = self.get()
        if pool is None:
            raise Unavailable(self.error)
        return pool

    def close(self) -> None:
        pool = self.get()
        if pool is not None:
            pool.close()


def _load(send: Send, command: Load) -> Any:
    from core.sampling.open_backend import open_backend
    from core.user_error import UserError

    try:
        engine = open_backend(command.spec, command.served_model, progress=lambda msg: send(Progress(str(msg))))
    except UserError as exc:
        send(LoadFailed(str(exc)))
        return None
    except Exception as exc:  # noqa: BLE001 - any other failure still has to reach the user
        send(LoadFailed(f"{type(exc).__name__}: {exc}"))
        return None
    send(Loaded(engine.info))
    return engine


def _next_token_logits(send: Send, engine: Any, ask: AskNextTokenLogits) -> None:
    # Raw bytes, not a tensor: the GUI turns them into one only when it shapes them, and a pickled
    # tensor would go through torch's shared-memory reductions.
    if engine is None:
        send(NextTokenLogits(ask.key, None, problem="no model is loaded"))
        return
    if not engine.capabilities.next_token_logits:
        problem = "a server does not give the whole next-token distribution, only its top few log-probs"
        send(NextTokenLogits(ask.key, None, problem=problem))
        return
    try:
        logits = engine.next_token_logits(ask.prompt, list(ask.written_ids), ask.mode)
    except Exception as exc:  # noqa: BLE001 - any failure still has to reach the user
        send(NextTokenLogits(ask.key, None, problem=f"{type(exc).__name__}: {exc}"))
        return
    from core.sampling.distribution import sort_logits  # torch: only once a model is loaded

    # The order the distribution view shows them in, ties included.
    likeliest = sort_logits(logits).token_ids[: ask.show].tolist()
    pieces = {t: engine.tokenizer.decode([t]) for t in likeliest}
    send(NextTokenLogits(ask.key, logits.float().numpy().tobytes(), pieces))


def _probe(send: Send, command: Probe) -> None:
    from core.remote.backend import RemoteBackend
    from core.user_error import UserError

    notices: list[str] = []
    try:
        backend = RemoteBackend.connect(command.url, command.served_model, progress=notices.append)
    except UserError as exc:
        send(ProbeResult(False, str(exc)))
        return
    details = [n.removeprefix("notice: ") for n in notices if n.startswith("notice: ")]
    send(ProbeResult(True, " ".join([f"Connected: {backend.info.describe()}.", *details])))


def _job(send: Send, engine: Any, sandbox: _Sandbox, command: StartJob, cancel: threading.Event) -> None:
    from core.host.jobs import JobError, updates

    try:
        for update in updates(command.name, engine, sandbox.require, cancel, command.kwargs):
            send(JobUpdate(update))
    except JobError as exc:
        send(JobFailed(str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - any other failure still has to reach the user
        send(JobFailed(f"{type(exc).__name__}: {exc}"))
        return
    send(JobDone())


def serve(conn: Any, cancel: Any) -> None:
    """Runs until the pipe closes or Quit arrives. `cancel`: the multiprocessing Event Stop sets;
    the GUI clears it as it sends a Generate or a StartJob, so a Stop pressed while the host is
    still busy with an earlier command (a RunTests) is kept for the work it was meant for."""
    replies = _Replies(conn)
    # Started first, at the GUI's priority: Linux keeps a nice value per thread, and the thread
    # that starts the workers passes its own on to them. A verdict is short work the user waits
    # for, and its deadline is wall-clock time.
    sandbox = _Sandbox(replies)
    # Decoding is batch work and keeps every core busy; at a lower priority it leaves a core to
    # the GUI and the sandbox whenever they need one, instead of sharing time slices with them.
    os.nice(5)
    try:
        _serve(conn, replies.send, sandbox, cancel)
    finally:
        sandbox.close()


def _serve(conn: Any, send: Send, sandbox: _Sandbox, cancel: Any) -> None:
    engine = None
    while True:
        try:
            command: Command = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(command, Quit):
            return
        if isinstance(command, Load):
            engine = _load(send, command) or engine
        elif isinstance(command, Generate):
            if engine is None:
                send(GenerateFailed(command.run_id, NO_MODEL))
                continue
            runs.generate(send, engine, sandbox.get, command, cancel)
        elif isinstance(command, RunTests):
            runs.run_tests(send, sandbox.get, command)
        elif isinstance(command, AskNextTokenLogits):
            _next_token_logits(send, engine, command)
        elif isinstance(command, Probe):
            _probe(send, command)
        elif isinstance(command, StartJob):
            if engine is None:
                send(JobFailed(NO_MODEL))
                continue
            _job(send, engine, sandbox, command, cancel)
