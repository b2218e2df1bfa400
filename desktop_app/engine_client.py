"""GUI side of the engine process: starts it, sends commands, and turns its replies into signals.

A superqt generator worker reads the pipe, so the GUI thread never blocks on the model.
"""

from __future__ import annotations

import multiprocessing

from PySide6.QtCore import QObject, Signal
from superqt.utils import thread_worker

from core.host import serve as engine_host

IDLE, LOADING, GENERATING, WORKING, TESTING = "idle", "loading", "generating", "working", "testing a connection"


@thread_worker
def _read_replies(conn):
    while True:
        try:
            if conn.poll(0.1):
                yield conn.recv()
        except (EOFError, OSError):
            return


class EngineClient(QObject):
    progress = Signal(str)
    loaded = Signal(object)  # core.loader.ModelInfo
    load_failed = Signal(str)
    load_stopped = Signal()
    events = Signal(list)  # TokenDelta | CandidateDone, batched by the engine process
    generated = Signal()
    generate_failed = Signal(str)
    job_update = Signal(object)  # the running job's latest snapshot (core.host.jobs)
    job_done = Signal()
    job_failed = Signal(str)
    next_token_logits_ready = Signal(object)  # core.host.serve.NextTokenLogits
    probe_result = Signal(bool, str)  # connection test: ok, what was found or what went wrong
    device_stats = Signal(object)  # dict for a GPU, None on CPU
    state_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._process = self._conn = self._cancel = None
        self.info = None
        self.state = IDLE

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._conn, child = self._ctx.Pipe()
        self._cancel = self._ctx.Event()
        self._process = self._ctx.Process(
            target=engine_host.serve, args=(child, self._cancel), name="codesynth-engine", daemon=True
        )
        self._process.start()
        child.close()
        reader = _read_replies(self._conn)
        reader.yielded.connect(self._dispatch)
        reader.finished.connect(lambda process=self._process: self._on_process_gone(process))
        reader.start()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def _command(self, state: str, *message) -> None:
        self._ensure_process()
        self._set_state(state)
        try:
            self._conn.send(message)
        except OSError:
            pass  # the process died at once: its reader reports that, with the exit code

    def load(self, spec: str, served_model: str | None = None) -> None:
        self._command(LOADING, "load", spec, served_model)

    def generate(self, prompt: str, params) -> None:
        self._command(GENERATING, "generate", prompt, params)

    def next_token_logits(self, key: tuple, prompt: str, written_ids: list[int], mode: str, show: int) -> None:
        """Asks for the raw logits at one position (one teacher-forced pass); the answer comes as
        `next_token_logits_ready` with `key`, with the `show` likeliest tokens decoded. The engine's state does not change: the request is
        short, and one sent while it generates is answered when that ends."""
        self._ensure_process()
        try:
            self._conn.send(("next_token_logits", key, prompt, list(written_ids), mode, show))
        except OSError:
            pass  # the process died at once: its reader reports that, with the exit code

    def probe(self, url: str, served_model: str | None = None) -> None:
        """Tests a server connection in the engine process, which already holds the HTTP client,
        so the GUI never imports it."""
        self._command(TESTING, "probe", url, served_model)

    def run_job(self, name: str, /, **kwargs) -> None:
        """Starts one of `core.host.jobs`; its snapshots arrive as `job_update`."""
        self._command(WORKING, "job", name, kwargs)

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
                self._conn.send(("quit",))
            except OSError:
                pass
            self._process.join(timeout=5)
        self._end_process()

    def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            process.kill()
        process.join()
        self._conn.close()

    def _on_process_gone(self, process) -> None:
        if process is not self._process:
            return  # ended on purpose
        code = process.exitcode
        self._process, self.info = None, None
        state, self.state = self.state, IDLE
        message = f"The model process stopped unexpectedly (exit code {code}). Load the model again."
        if state == TESTING:
            self.probe_result.emit(False, message)
        else:
            {LOADING: self.load_failed, WORKING: self.job_failed}.get(state, self.generate_failed).emit(message)
        self.state_changed.emit(IDLE)

    def _dispatch(self, reply) -> None:
        kind, payload = reply
        if kind == "events":
            self.events.emit(payload)
        elif kind == "progress":
            self.progress.emit(payload)
        elif kind == "device_stats":
            self.device_stats.emit(payload)
        elif kind == "loaded":
            self.info = payload
            self._set_state(IDLE)
            self.loaded.emit(payload)
        elif kind == "load_failed":
            self._set_state(IDLE)
            self.load_failed.emit(payload)
        elif kind == "generated":
            self._set_state(IDLE)
            self.generated.emit()
        elif kind == "generate_failed":
            self._set_state(IDLE)
            self.generate_failed.emit(payload)
        elif kind == "next_token_logits":
            self.next_token_logits_ready.emit(payload)
        elif kind == "probe_result":
            self._set_state(IDLE)
            self.probe_result.emit(*payload)
        elif kind == "job_update":
            self.job_update.emit(payload)
        elif kind == "job_done":
            self._set_state(IDLE)
            self.job_done.emit()
        elif kind == "job_failed":
            self._set_state(IDLE)
            self.job_failed.emit(payload)
