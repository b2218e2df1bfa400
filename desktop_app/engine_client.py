"""GUI side of the engine process: starts it, sends commands, and turns its replies into signals.

A superqt generator worker reads the pipe, so the GUI thread never blocks on the model.
"""
from __future__ import annotations

import multiprocessing

from PySide6.QtCore import QObject, Signal
from superqt.utils import thread_worker

from desktop_app import engine_process

IDLE, LOADING, GENERATING = "idle", "loading", "generating"


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
        self._process = self._ctx.Process(target=engine_process.serve, args=(child, self._cancel),
                                          name="codesynth-engine", daemon=True)
        self._process.start()
        child.close()
        reader = _read_replies(self._conn)
        reader.yielded.connect(self._dispatch)
        reader.finished.connect(lambda process=self._process: self._on_process_gone(process))
        reader.start()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def load(self, spec: str) -> None:
        self._ensure_process()
        self._set_state(LOADING)
        self._conn.send(("load", spec))

    def generate(self, prompt: str, params) -> None:
        self._ensure_process()
        self._set_state(GENERATING)
        self._conn.send(("generate", prompt, params))

    def stop(self) -> None:
        """Generation stops within one decoding step; a load cannot be interrupted, so the
        process that runs it is ended (and with it any model it held)."""
        if self.state == GENERATING:
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
        (self.load_failed if state == LOADING else self.generate_failed).emit(message)
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
