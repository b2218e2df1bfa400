"""GUI side of the engine process: starts it, sends commands, and turns its replies into signals.

A thread reads the pipe, so the GUI thread never blocks on the model.
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback

from PySide6.QtCore import QObject, Signal, SignalInstance

from core.host import protocol as msg
from core.host import serve as engine_host

IDLE, LOADING, GENERATING, WORKING, TESTING = "idle", "loading", "generating", "working", "testing a connection"


def _read_replies(conn, reply: SignalInstance, gone: SignalInstance, process) -> None:
    """The pipe's reader, on a thread of its own for as long as the engine host lives: a worker of
    Qt's shared thread pool would hold one of its few threads (one per core) for good."""
    while True:
        try:
            if conn.poll(0.1):
                reply.emit(conn.recv())
        except (EOFError, OSError):
            break
        except Exception:  # noqa: BLE001 - a reply that cannot be read: the host is past trusting
            traceback.print_exc()
            process.kill()  # the GUI reports it gone, and the next load starts a new one
            break
    process.join(timeout=5)  # reaped here, off the GUI thread, so its exit code is known
    gone.emit(process)


class EngineClient(QObject):
    progress = Signal(str)
    loaded = Signal(object)  # core.models.info.ModelInfo
    load_failed = Signal(str)
    load_stopped = Signal()
    sandbox_ready = Signal(dict)  # the pool's active isolation layers
    sandbox_unavailable = Signal(str)
    run_events = Signal(int, tuple)  # run id, core.host.protocol.RunEvent batch
    generated = Signal()  # the run's generation and tests ended
    generate_failed = Signal(str)
    tested = Signal(int, str)  # a RunTests command's run id: its verdicts are in; why not all, if so
    job_update = Signal(object)  # the running job's latest update (core.host.jobs.updates)
    job_done = Signal()
    job_failed = Signal(str)
    next_token_logits_ready = Signal(object)  # core.host.protocol.NextTokenLogits
    probe_result = Signal(bool, str)  # connection test: ok, what was found or what went wrong
    device_stats = Signal(object)  # core.host.protocol.DeviceStats for a GPU
    state_changed = Signal(str)
    _reply = Signal(object)  # emitted on the reader's thread, delivered on the GUI thread
    _gone = Signal(object)  # the process whose pipe closed

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._process = self._conn = self._cancel = None
        self.info = None
        self.state = IDLE
        # The engine host's sandbox pool: its layers once it is ready, or why it cannot run.
        self.sandbox_layers: dict | None = None
        self.sandbox_error: str | None = None
        self._tests_out: set[int] = set()  # RunTests sent and not answered
        self._reply.connect(self._dispatch)
        self._gone.connect(self._on_process_gone)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def start(self) -> None:
        """Starts the engine host, and with it the sandbox workers, before any command needs them."""
        self._ensure_process()

    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self.sandbox_layers = self.sandbox_error = None  # a new host starts its own pool
        self._conn, child = self._ctx.Pipe()
        self._cancel = self._ctx.Event()
        self._process = self._ctx.Process(
            target=engine_host.serve, args=(child, self._cancel), name="codesynth-engine", daemon=True
        )
        self._process.start()
        child.close()
        reader = threading.Thread(
            target=_read_replies,
            args=(self._conn, self._reply, self._gone, self._process),
            name="engine-replies",
            daemon=True,
        )
        reader.start()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def _send(self, command: msg.Command) -> None:
        self._ensure_process()
        try:
            self._conn.send(command)
        except OSError:
            pass  # the process died at once: its reader reports that, with the exit code

    def _command(self, state: str, command: msg.Command) -> None:
        self._ensure_process()
        if state in (GENERATING, WORKING):
            # Cleared as the work is sent, not when the host starts it: a Stop pressed while the host
            # finishes an earlier command (a RunTests) then still reaches this work.
            self._cancel.clear()
        self._set_state(state)
        self._send(command)

    def load(self, spec: str, served_model: str | None = None) -> None:
        self._command(LOADING, msg.Load(spec, served_model))

    def generate(self, run_id: int, prompt: str, params, harness) -> None:
        """Samples and tests a run in the engine host; its events arrive as `run_events`."""
        self._command(GENERATING, msg.Generate(run_id, prompt, params, harness))

    def test(self, run_id: int, candidates, harness) -> None:
        """Tests finished candidates (a reopened run) without taking the engine's state: their
        verdicts arrive as `run_events`, then `tested`."""
        self._tests_out.add(run_id)
        self._send(msg.RunTests(run_id, tuple(candidates), harness))

    def next_token_logits(self, key: tuple, prompt: str, written_ids: list[int], mode: str, show: int) -> None:
        """Asks for the raw logits at one position (one teacher-forced pass); the answer comes as
        `next_token_logits_ready` with `key`, with the `show` likeliest tokens decoded. The engine's
        state does not change: the request is short, and one sent while it generates is answered
        when that ends."""
        self._send(msg.AskNextTokenLogits(key, prompt, tuple(written_ids), mode, show))

    def probe(self, url: str, served_model: str | None = None) -> None:
        """Tests a server connection in the engine process, which already holds the HTTP client,
        so the GUI never imports it."""
        self._command(TESTING, msg.Probe(url, served_model))

    def run_job(self, name: str, /, **kwargs) -> None:
        """Starts one of `core.host.jobs`; its updates arrive as `job_update`."""
        self._command(WORKING, msg.StartJob(name, kwargs))

    def stop(self) -> None:
        """Generation stops within one decoding step; a load cannot be interrupted, so the
        process that runs it is ended (and with it any model it held)."""
        if self.state in (GENERATING, WORKING):
            self._cancel.set()
        elif self.state == LOADING:
            self._end_process()
            self.info = None
            self._set_state(IDLE)
            self.load_stopped.emit()

    def shutdown(self) -> None:
        if self._process is None:
            return
        if self.state != LOADING:  # a load cannot be interrupted: no point waiting for it
            self._cancel.set()
            try:
                self._conn.send(msg.Quit())
            except OSError:
                pass
            self._process.join(timeout=5)
        self._end_process()

    def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._tests_abandoned("")
        if process.is_alive():
            process.kill()
        process.join()
        self._conn.close()

    def _on_process_gone(self, process) -> None:
        if process is not self._process:
            return  # ended on purpose
        code = process.exitcode
        self._process, self.info = None, None
        self._tests_abandoned(f"the model process stopped (exit code {code})")
        self.sandbox_layers, self.sandbox_error = None, "its workers stopped with the model process"
        self.sandbox_unavailable.emit(self.sandbox_error)  # the next load starts both again
        state, self.state = self.state, IDLE
        message = f"The model process stopped unexpectedly (exit code {code}). Load the model again."
        if state == TESTING:
            self.probe_result.emit(False, message)
        else:  # idle, the model is gone all the same: the model bar says so and offers to load it
            {GENERATING: self.generate_failed, WORKING: self.job_failed}.get(state, self.load_failed).emit(message)
        self.state_changed.emit(IDLE)

    def _tests_abandoned(self, why: str) -> None:
        """The RunTests the ended process had not answered: their candidates stay untested."""
        out, self._tests_out = self._tests_out, set()
        for run_id in sorted(out):
            self.tested.emit(run_id, why)

    def _dispatch(self, reply: msg.Reply) -> None:
        match reply:
            case msg.RunEvents(run_id, events):
                self.run_events.emit(run_id, events)
            case msg.Progress(text):
                self.progress.emit(text)
            case msg.DeviceStats():
                self.device_stats.emit(reply)
            case msg.SandboxReady(layers):
                self.sandbox_layers = layers
                self.sandbox_ready.emit(layers)
            case msg.SandboxUnavailable(reason):
                self.sandbox_error = reason
                self.sandbox_unavailable.emit(reason)
            case msg.Loaded(info):
                self.info = info
                self._set_state(IDLE)
                self.loaded.emit(info)
            case msg.LoadFailed(message):
                self._set_state(IDLE)
                self.load_failed.emit(message)
            case msg.Generated():
                self._set_state(IDLE)
                self.generated.emit()
            case msg.GenerateFailed(_run_id, message):
                self._set_state(IDLE)
                self.generate_failed.emit(message)
            case msg.RunTestsDone(run_id, problem):
                self._tests_out.discard(run_id)
                self.tested.emit(run_id, problem)
            case msg.NextTokenLogits():
                self.next_token_logits_ready.emit(reply)
            case msg.ProbeResult(ok, message):
                self._set_state(IDLE)
                self.probe_result.emit(ok, message)
            case msg.JobUpdate(update):
                self.job_update.emit(update)
            case msg.JobDone():
                self._set_state(IDLE)
                self.job_done.emit()
            case msg.JobFailed(message):
                self._set_state(IDLE)
                self.job_failed.emit(message)
