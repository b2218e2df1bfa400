"""What Generate, Stop and Load do: checks the user's input, drives the engine process and the
sandbox, and reports every problem as one plain message."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Signal

from core.modes.entry_point import entry_point
from core.modes.source_check import prompt_problem, tests_problem
from core.sampling.candidate import CandidateDone
from core.sampling.params import InvalidParams
from desktop_app.candidates_model import DONE, CandidatesModel
from desktop_app.engine_client import GENERATING, IDLE, LOADING, TESTING, WORKING, EngineClient
from desktop_app.generation_run import GenerationRun


class RunController(QObject):
    error = Signal(str)
    info = Signal(str)
    busy_changed = Signal(bool)
    run_changed = Signal()  # the current run's summary may have changed
    run_finished = Signal()  # generation ended and every test result is in
    run_started = Signal(object, object)  # GenerationRun, SamplingParams
    branched = Signal(object)  # the desktop_app.branch.Branch a child candidate started from

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = CandidatesModel(self)
        self.engine = EngineClient(self)
        self.run: GenerationRun | None = None
        self.last_tokens_per_s: float | None = None  # of the last run that generated, for time estimates
        self.engine.state_changed.connect(lambda state: self.busy_changed.emit(state != IDLE))
        self.engine.run_events.connect(self._on_events)
        self.engine.generated.connect(self._on_generated)
        self.engine.generate_failed.connect(self._on_generate_failed)
        self.engine.tested.connect(self._on_tested)

    def start_engine(self) -> None:
        """Starts the engine host, which starts the sandbox workers (the app's one pool)."""
        self.engine.start()

    @property
    def sandbox_layers(self) -> dict | None:
        """The sandbox's active isolation layers once its workers are ready, else None."""
        return self.engine.sandbox_layers

    def load(self, spec: str, served_model: str | None = None) -> bool:
        if self.engine.state != IDLE:
            self.error.emit(f"The model is busy {self.engine.state}: press Stop (Esc) before loading another one.")
            return False
        self.engine.load(spec, served_model)
        return True

    def generate(self, prompt: str, tests: str, params_source, name: str | None = None) -> bool:
        """Starts a run, or emits why it cannot start. `params_source()` returns SamplingParams;
        `name` is what History calls the run (e.g. a HumanEval task id)."""
        problem = self._refusal(prompt, tests)
        if problem is None:
            try:
                params = params_source()
            except InvalidParams as exc:
                problem = f"Invalid parameter: {exc}."
        if problem is not None:
            self.error.emit(problem)
            return False
        if tests.strip() and self.engine.sandbox_error is not None:
            why = self.engine.sandbox_error
            self.info.emit(f"The sandbox is unavailable ({why}): candidates will not be tested.")
        run = self._new_run(prompt, tests, params.seed or 0, params.n, name)
        run.tests_done.connect(self.run_finished)
        run.params = params
        self.run_started.emit(run, params)
        self.engine.generate(run.id, prompt, params, run.harness)
        self.run_changed.emit()
        return True

    def branch(self, branch, params) -> bool:
        """Starts one child candidate of the current run from `branch` (desktop_app.branch) with
        `params`, or emits why it cannot start."""
        run, problem = self.run, self.engine_refusal()
        if run is None:
            problem = "There is no run to branch from: generate first."
        if problem is not None or run is None:
            self.error.emit(problem)
            return False
        run.start_branch(branch)
        self.engine.generate(run.id, run.prompt, params, run.harness)
        self.branched.emit(branch)
        self.run_changed.emit()
        return True

    def finish_missing(self, params_source) -> bool:
        """Draws the current run's missing samples, each exactly as the whole run would have drawn
        it (SamplingParams.rows), or emits why it cannot."""
        run, problem = self.run, self.engine_refusal()
        if run is None or not run.missing():
            self.error.emit("This run has every sample it asked for.")
            return False
        if problem is None:
            try:
                params = replace(params_source(), n=run.n, rows=tuple(run.missing())).validated()
            except InvalidParams as exc:
                problem = f"Invalid parameter: {exc}."
        if problem is not None:
            self.error.emit(problem)
            return False
        run.start_missing(list(params.rows))
        run.tests_done.connect(self.run_finished, Qt.ConnectionType.UniqueConnection)  # once, however often finished
        run.params = params
        self.engine.generate(run.id, run.prompt, params, run.harness)
        self.run_changed.emit()
        return True

    def show_saved(self, prompt: str, tests: str, candidates, results: dict, seed: int, n: int) -> GenerationRun:
        """Shows a past run's candidates and verdicts (from the session store) as the current run,
        which it returns; finished candidates that have no verdict yet (the app stopped first) are tested now."""
        from sandbox.results import RunResult

        run = self._new_run(prompt, tests, seed, n)
        self.model.apply([CandidateDone(c) for c in candidates])
        for c in candidates:
            if c.index in results:
                self.model.set_test(c.index, DONE, RunResult.from_json(results[c.index]))
        run.test_saved([c for c in candidates if c.index not in results])
        run.end_generation()
        self.run_changed.emit()
        return run

    def clear_run(self) -> None:
        """A new problem: the table starts empty (the old run stays in History)."""
        self._drop_run()
        self.model.clear()
        self.run_changed.emit()

    def _drop_run(self) -> None:
        """Forgets the current run: events the engine host still sends for it are ignored."""
        self.run = None

    def _new_run(self, prompt: str, tests: str, seed: int, n: int, name: str | None = None) -> GenerationRun:
        """Replaces the current run (its pending tests are dropped) with an empty one, and returns it."""
        self._drop_run()
        self.model.clear(seed=seed)
        self.run = run = GenerationRun(self.model, self.engine, prompt, tests, entry_point(prompt), n, name, self)
        run.changed.connect(self.run_changed)
        return run

    def _refusal(self, prompt: str, tests: str) -> str | None:
        if not prompt.strip():
            return "The prompt is empty: write a function signature and docstring, then press Ctrl+Enter."
        broken = prompt_problem(prompt)
        if broken is not None:
            return f"Syntax error in the prompt, line {broken.line}: {broken.message}. Fix it, then generate."
        problem = tests_problem(tests) if tests.strip() else None
        if problem is not None:
            return problem[1]
        if tests.strip() and entry_point(prompt) is None:
            return "The prompt defines no function for the tests to call: start it with `def name(...):`."
        return self.engine_refusal()

    def engine_refusal(self) -> str | None:
        """Why the engine cannot take work now, or None."""
        if self.engine.state in (GENERATING, WORKING):
            return "The model is busy: press Stop (Esc) first."
        if self.engine.state == TESTING:
            return "A server connection is being tested: try again in a moment."
        if self.engine.state == LOADING:
            return "The model is still loading: press Generate again when it is ready."
        if self.engine.info is None:
            return "No model is loaded: choose one in the model bar and press Load."
        return None

    def stop(self) -> None:
        self.engine.stop()

    def _on_events(self, run_id: int, events) -> None:
        if self.run is not None and run_id in (self.run.id, self.run.saved_tests_id):
            self.run.on_events(events, saved=run_id == self.run.saved_tests_id)

    def _on_tested(self, run_id: int, problem: str) -> None:
        if self.run is not None and run_id == self.run.saved_tests_id:
            if problem:
                self.error.emit(f"The saved candidates could not all be tested: {problem}.")
            self.run.end_tests()

    def _on_generated(self) -> None:
        run = self.run
        if run is not None:
            if run.deltas and run.branching is None:  # a child's speed is not the run's
                self.last_tokens_per_s = run.tokens_per_s  # before run_finished: it shows estimates
            run.end_generation()

    def _on_generate_failed(self, message: str) -> None:
        self.error.emit(message)
        self._on_generated()

    def shutdown(self) -> None:
        """Ends the engine process and with it the sandbox workers: no process outlives the window."""
        self._drop_run()
        self.engine.shutdown()
