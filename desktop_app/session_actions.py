"""Sessions in the window: reopening a past run from the History sidebar, export and import, and
the offer, at start, to reopen a run that the app's last stop interrupted. Mixed into the main
window, whose store, editors, tabs and message bar it uses."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.evaluation.jsonl import write_jsonl
from core.modes.entry_point import entry_point
from core.sampling.params import SamplingParams
from core.storage.session_documents import UnreadableDocument
from core.storage.session_export import read_export
from core.storage.session_store import RUNNING, SessionStore, StoreUnavailable
from core.user_error import UserError
from desktop_app.code_editor import replace_all
from desktop_app.engine_client import GENERATING
from desktop_app.prompt_files import APP_TITLE
from desktop_app.window_mixin import WindowMixin
from desktop_app.workbench_recorder import STOPPED


def open_store(path: Path) -> SessionStore:
    """The app's sessions at `path`. One that cannot be used now (locked, saved by a newer app) is
    left alone and the app starts anyway, keeping this run's sessions in memory and saying so."""
    try:
        return SessionStore(path)
    except StoreUnavailable as exc:
        store = SessionStore(Path(":memory:"))  # SQLite's name for a database in memory only
        store.notice = f"Sessions are not saved this time: {exc}."
        return store


class SessionActions(WindowMixin):
    def _offer_recovery(self) -> None:
        if self.store.notice:
            self.message.info(self.store.notice)
            return
        interrupted = self.store.interrupted()
        for row in interrupted:
            self.store.update(row.id, state="interrupted")
        if interrupted:
            row = interrupted[0]
            saved = len(self.store.candidates(row.id))
            detail = f" with {saved} finished candidate{'s' * (saved != 1)}" if row.kind == "workbench" else ""
            self.message.offer(
                f"The run “{row.name}” was interrupted when the app last stopped. It was saved{detail}.",
                "Reopen it",
                lambda: self.open_session(row.id),
            )
            self.history.refresh()

    def open_session(self, sid: int) -> None:
        row = self.store.get(sid)
        try:
            document = self.store.document(sid, row.kind)
        except UnreadableDocument as exc:  # saved by a newer app: shown nowhere, kept as it is
            self.message.error(str(exc))
            return
        if row.kind == self.compare_tab.kind:
            self.compare_tab.restore(sid, document or {"runs": []})
            self.tabs.setCurrentWidget(self.compare_tab)
            return
        if row.kind in self.job_tabs:
            tab = self.job_tabs[row.kind]
            if tab.running:
                self.message.error(f"{tab.title} is running: press Stop (Esc) before reopening a past run there.")
                return
            if document is not None:
                tab.restore(document)
            self.tabs.setCurrentWidget(tab)
            return
        if self.controller.engine.state == GENERATING:
            self.message.error("A generation is running: press Stop (Esc) before reopening a past run.")
            return
        self.recorder.finish(STOPPED)  # a run still being tested ends here
        replace_all(self.prompt_editor, row.prompt)
        replace_all(self.tests_editor.editor, row.tests)
        self.controls.set_params(row.params)
        self.problem = (row.name, entry_point(row.prompt))
        self.setWindowTitle(f"{APP_TITLE} — {row.name}")
        run = self.controller.show_saved(
            row.prompt,
            row.tests,
            self.store.candidates(sid),
            self.store.results(sid),
            row.params.get("seed") or 0,
            row.params.get("n") or 0,
        )
        # Candidates the app had finished but not tested before it stopped are tested now, into
        # the same session; once reopened, the run is no longer "interrupted" but stopped.
        run.tested.connect(lambda index, result: self._save_result(sid, index, result))
        run.candidate_finished.connect(lambda candidate: self.store.add_candidate(sid, candidate))
        if row.state in ("interrupted", RUNNING):
            self.store.update(sid, state=STOPPED)
            self.history.refresh()
        self.tabs.setCurrentWidget(self.splitter)
        missing = len(run.missing())
        if missing:
            self.message.offer(
                f"{missing} of this run's {run.n} samples were never finished.",
                f"Finish the {missing} missing",
                lambda: self._finish_missing(sid),
            )

    def _finish_missing(self, sid: int) -> None:
        """The reopened run's missing samples, drawn with its own parameters into its own session."""
        saved = self.store.get(sid).params
        known = {f.name for f in fields(SamplingParams)}
        if self.controller.finish_missing(lambda: SamplingParams(**{k: v for k, v in saved.items() if k in known})):
            run = self.controller.run
            if run is not None:  # finish_missing started it
                self.store.update(sid, state=RUNNING)
                run.tests_done.connect(lambda: self.store.update(sid, state="done"))
            self.history.refresh()

    def _save_result(self, sid: int, index: int, result) -> None:
        self.store.add_result(sid, index, result.passed, result.to_json())
        self.history.schedule_refresh()

    def export_session(self, sid: int, kind: str, path: str | None = None) -> None:
        row = self.store.get(sid)
        if path is None:
            suffix, filter_ = (".json", "Session (*.json)") if kind == "json" else (".jsonl", "Samples (*.jsonl)")
            path, _ = QFileDialog.getSaveFileName(self, "Export", row.name + suffix, filter_)
            if not path:
                return
        if kind == "json":
            self._write(path, json.dumps(self.store.export_json(sid), indent=1))
        else:
            write_jsonl(path, self.store.export_samples(sid, row.name))

    def import_session(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import session", "", "Session (*.json)")
            if not path:
                return
        try:
            sid = self.store.import_json(read_export(Path(path)))
        except UserError as exc:
            self.message.error(f"{path} could not be imported: {exc}")
            return
        self.history.refresh()
        self.open_session(sid)
