"""The Workbench's behaviour rankers (issue 21): "Rank by behaviour cluster" and "Rank by
agreement with model tests". After each generation the engine process runs the candidates on
inputs beyond the tests (cheap: no model), so the "Behaves like" column fills by itself; choosing
agreement (or cluster before that data exists) runs them again with tests the model writes.

The examination is background work: it waits while the model generates or runs another job,
Stop ends it and it is not started again by itself, and a new Generate first stops it (`give_way`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from core.host.snapshots import Examination
from core.ranking.order import RANKINGS
from desktop_app.engine_client import GENERATING, WORKING

EXAMINE = "examine"
CLUSTER, AGREEMENT = "cluster", "agreement"


class BehaviourRanker(QObject):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.running: tuple[int, bool] | None = None  # (run id, with model tests) of the job in flight
        self.done: set[tuple[int, bool]] = set()  # examinations that finished, never redone
        self.stopped: set[tuple[int, bool]] = set()  # stopped or failed: redone only when asked for
        self._then: Callable[[], None] | None = None  # what waits for the stopped job to end
        engine = controller.engine
        engine.job_update.connect(self._on_update)
        engine.job_done.connect(self._on_end)
        engine.job_failed.connect(self._on_end)
        engine.generated.connect(self.request)

    def _needed(self) -> tuple[int, bool] | None:
        """The examination the shown run still lacks: (run id, with model tests), or None."""
        c, model = self.controller, self.controller.model
        if c.run is None or not self._completions():
            return None
        if model.ranking == AGREEMENT or model.ranking == CLUSTER and not model.scores[CLUSTER]:
            key = (c.run.id, True)
        else:
            key = (c.run.id, False)
        if key in self.done or (c.run.id, True) in self.done or (not key[1] and model.scores[CLUSTER]):
            return None
        return key

    def _completions(self) -> dict[int, str]:
        # A candidate cut by Stop is not an attempt (candidates_model.CANCELLED): it joins no cluster.
        return {c.index: c.text for c in self.controller.model.finished() if c.finish_reason != "cancelled"}

    def request(self, explicit: bool = False) -> None:
        """Starts the examination the table needs, if the engine is free. `explicit`: the user chose
        the ranking just now, so one stopped earlier is run again and a refusal is said."""
        c, model = self.controller, self.controller.model
        key = self._needed()
        if key is None or self.running is not None or key in self.stopped and not explicit:
            return
        asked = explicit and model.ranking in (CLUSTER, AGREEMENT)
        if c.run.entry_point is None:
            if asked:
                c.info.emit(f"Ranking by {RANKINGS[model.ranking]} needs a prompt that defines a function.")
            return
        if c.engine.state in (GENERATING, WORKING):
            return  # asked again when the generation or the other job ends
        problem = c.engine_refusal()
        if problem is not None:
            if asked:
                c.info.emit(f"Ranking by {RANKINGS[model.ranking]} waits: {problem}")
            return
        self.running = key
        self.stopped.discard(key)
        c.engine.run_job(
            EXAMINE,
            prompt=c.run.prompt,
            entry_point=c.run.entry_point,
            completions=self._completions(),
            user_tests=c.run.tests or None,
            model_tests=key[1],
            seed=model.seed,
        )

    def give_way(self, then: Callable[[], None]) -> bool:
        """Stops a running examination so the user's new work can start; `then` runs once it has
        ended. False when none runs (start the work now)."""
        if self.running is None:
            return False
        self._then = then
        self.controller.engine.stop()
        return True

    def _on_update(self, exam: object) -> None:
        c, model = self.controller, self.controller.model
        if not isinstance(exam, Examination) or not exam.done:
            return
        if self.running is None or c.run is None or c.run.id != self.running[0]:
            return
        self.done.add(self.running)
        model.behaviour_inputs = exam.inputs
        model.set_scores(CLUSTER, dict(exam.clusters), replace=True)
        if exam.agreement is not None:
            model.set_scores(AGREEMENT, dict(exam.agreement), replace=True)
        if exam.model_tests:
            what = (
                f"Candidates run on {exam.inputs} inputs and {exam.tests} tests the model wrote"
                f" ({exam.dropped} unusable dropped)."
            )
            if exam.unavailable is not None and model.ranking == AGREEMENT:
                what = (
                    f"Agreement ranking is unavailable: {exam.unavailable}; the candidates stay"
                    f" ranked by mean log-prob. " + what
                )
            c.info.emit(what)

    def _on_end(self, *_message) -> None:
        then, self._then = self._then, None
        # A job stopped to make way for the user's work is redone after it, if still needed.
        if self.running is not None and self.running not in self.done and then is None:
            self.stopped.add(self.running)
        self.running = None
        # After the other slots of this signal (a tab's job ending may start the next one).
        QTimer.singleShot(0, lambda: self._next(then))

    def _next(self, then: Callable[[], None] | None) -> None:
        if then is not None:
            then()
        self.request()
