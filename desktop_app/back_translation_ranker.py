"""The Workbench's "Rank by back-translation": asks the engine process for the back-translation
log-probs of the finished candidates that have none yet, when that ranking is chosen or when a
generation ends while it is chosen, and re-ranks the table as the scores arrive."""

from __future__ import annotations

from PySide6.QtCore import QObject

from core.host.snapshots import BackTranslationScores
from desktop_app.engine_client import GENERATING

BACK_TRANSLATION = "back_translation"


class BackTranslationRanker(QObject):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.running = False
        self.run_id: int | None = None  # the run whose candidates are being scored
        engine = controller.engine
        engine.job_update.connect(self._on_update)
        engine.job_done.connect(self._on_end)
        engine.job_failed.connect(self._on_end)
        engine.generated.connect(self.request)

    def request(self) -> None:
        c, model = self.controller, self.controller.model
        if self.running or c.run is None or model.ranking != BACK_TRANSLATION:
            return
        missing = {cand.index: cand.text for cand in model.finished() if cand.index not in model.back_translation}
        if not missing:
            return
        if c.run.entry_point is None:
            c.info.emit("Back-translation ranking needs a prompt that defines a function with a docstring.")
            return
        if c.engine.state == GENERATING:
            return  # asked again when the generation ends
        problem = c.engine_refusal()
        if problem is not None:
            c.info.emit(f"Back-translation ranking waits: {problem}")
            return
        self.running, self.run_id = True, c.run.id
        c.engine.run_job(BACK_TRANSLATION, prompt=c.run.prompt, entry_point=c.run.entry_point, completions=missing)

    def _on_update(self, update: object) -> None:
        run = self.controller.run
        # Scores are by candidate index: another run's (the user opened one meanwhile) are not this one's.
        if self.running and isinstance(update, BackTranslationScores) and run is not None and run.id == self.run_id:
            self.controller.model.set_back_translation(dict(update.scores))

    def _on_end(self, *_message) -> None:
        self.running = False
