"""From examples: a table of inputs and expected outputs plus a plain description becomes a
function to complete and its tests (shown, editable); Generate writes n functions, tests each
one, and lists them best first with what each got right, in words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.displayable import displayable
from core.host.snapshots import ExampleCandidate, ExamplesSnapshot
from core.modes.entry_point import entry_point
from core.modes.example_cells import ExamplesError
from core.modes.example_library import load_library
from core.modes.example_names import function_name
from core.modes.examples import Spec, answer_row, build_spec, sample_note
from core.modes.source_check import tests_problem
from core.sampling.params import InvalidParams
from desktop_app import theme
from desktop_app.code_editor import CodeEditor
from desktop_app.examples_question import QuestionBox
from desktop_app.examples_table import ExamplesTable
from desktop_app.examples_text import (
    HAND_EDITED,
    colour,
    list_text,
    sentence,
    status_text,
    tooltip_text,
)
from desktop_app.job_tab import JobTab
from desktop_app.panes import fill, split
from desktop_app.plain_text import as_html
from desktop_app.prompt_files import PY_FILTER
from desktop_app.tests_editor import TestsEditor
from desktop_app.titled import titled

DERIVE_DELAY_MS = 300  # rebuild the derived texts after a pause in typing, not on every key


class ExamplesTab(JobTab):
    kind = "examples"
    title = "From examples"
    use_requested = Signal(str, str, str)  # the whole chosen function, its tests and name, for the Workbench
    larger_requested = Signal(str)  # a larger catalogue model to load, then run again on (none was right)

    def __init__(self, jobs, params, parent=None) -> None:
        super().__init__(jobs, params, parent)
        self.spec: Spec | None = None  # the table's spec, None while the table has problems
        self.snapshot: ExamplesSnapshot | None = None  # the latest job snapshot shown
        self.hand_edited = False
        self._deriving = False
        self.library = [e for e in load_library() if e.kind == "examples"]
        self._make_widgets()
        self._debounce = QTimer(self, singleShot=True, interval=DERIVE_DELAY_MS, timeout=self.derive)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self.table.changed.connect(self._debounce.start)
        self.table.notice.connect(lambda text: self.jobs.controller.info.emit(text))
        self.table.described.connect(self.description.setText)
        self.description.textChanged.connect(self._debounce.start)
        self.name_edit.textChanged.connect(self._debounce.start)
        self.prompt_editor.textChanged.connect(self._on_hand_edit)
        self.tests_editor.editor.textChanged.connect(self._on_hand_edit)
        self.derive()

    def _make_widgets(self) -> None:
        self.library_box = QComboBox(self)
        # Sized to 12 characters, not to its longest title, so the Open button beside it fits at 1024 px.
        self.library_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.library_box.setMinimumContentsLength(12)
        self.library_box.addItem("Start from an example…", None)
        for entry in self.library:
            self.library_box.addItem(entry.title, entry.id)
        self.library_box.activated.connect(lambda i: self.load_entry(self.library_box.itemData(i)))
        self.description = QLineEdit(self, placeholderText="e.g. Convert a temperature in Celsius to Fahrenheit")
        self.name_edit = QLineEdit(self)
        self.table = ExamplesTable(self)
        self.prompt_editor = CodeEditor(self)
        self.tests_editor = TestsEditor(self)
        self.edited_note = QLabel(HAND_EDITED, self, wordWrap=True)
        self.edited_note.setStyleSheet(f"color: {theme.RUNNING}")
        self.sample_note = QLabel(self, wordWrap=True)  # a large table: which rows the prompt shows
        self.rederive_button = QPushButton("Re-derive", self, clicked=self.rederive)  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        self.rederive_button.setToolTip("Rebuild the function and the tests from the table, dropping hand edits")
        self.generate_button = QPushButton("Generate (Ctrl+Enter)", self, clicked=self.run)  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        # The status quotes why the model's corrections failed: plain text, never HTML (desktop_app.plain_text).
        self.status = QLabel("Fill in the table, then press Generate.", self, wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.question_box = QuestionBox(self)
        self.question_box.answered.connect(self.answer)
        self.question_box.larger_requested.connect(self.larger_requested)
        self.candidates = QListWidget(self)
        self.candidates.currentRowChanged.connect(lambda _row: self._show_selected())
        self.function_view = CodeEditor(self)
        self.function_view.setReadOnly(True)
        self.use_button = QPushButton("Use this function", self, clicked=self.use_function)  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        self.use_button.setToolTip("Copy the whole function to the clipboard and offer it to the Workbench")
        self.save_button = QPushButton("Save as…", self, clicked=lambda: self.save_function())  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords

        form = QFormLayout()
        library = QHBoxLayout()  # beside the library: a table of the user's own, from a file
        library.addWidget(self.library_box, 1)
        library.addWidget(self.table.open_button)
        form.addRow("Library:", library)
        form.addRow("What the function does:", self.description)
        form.addRow("Function name (optional):", self.name_edit)
        note = QHBoxLayout()
        note.addWidget(self.edited_note, 1)
        note.addWidget(self.sample_note, 1)
        note.addStretch()  # keeps the button its own size while the note is hidden
        note.addWidget(self.rederive_button)
        inputs = QWidget(self)
        layout = QVBoxLayout(inputs)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.table, 2)
        derived = QSplitter(Qt.Orientation.Vertical, self)
        derived.addWidget(titled("Function to write (from the table)", self.prompt_editor))
        derived.addWidget(titled("Tests (one per example)", self.tests_editor))
        layout.addWidget(derived, 3)
        layout.addLayout(note)

        results = QWidget(self)
        right = QVBoxLayout(results)
        right.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.generate_button)
        top.addWidget(self.status, 1)
        right.addLayout(top)
        right.addWidget(self.question_box)
        right.addWidget(titled("Candidates, best first", self.candidates), 1)
        right.addWidget(titled("Selected function", self.function_view), 2)
        actions = QHBoxLayout()
        actions.addWidget(self.use_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        right.addLayout(actions)

        fill(self, split(self, [inputs, results], [600, 600]))
        self._show_note()

    # -- deriving the function and tests ---------------------------------------------------------

    def derive(self) -> None:
        """Rebuilds the spec from the table, marks its problems, and refreshes the derived texts
        unless the user edited them by hand."""
        self._debounce.stop()
        self.spec, problems, cells = None, [], []
        name = self.name_edit.text().strip() or None
        try:
            self.spec = build_spec(self.table.header(), self.table.rows(), self.description.text(), name)
        except ExamplesError as exc:
            cells = exc.errors
        except ValueError as exc:
            problems = [sentence(str(exc))]
        # A table with nothing typed in it yet is not a mistake: Generate says what to do.
        self.table.show_problems(problems if self.table.rows() else [], cells)
        self.name_edit.setPlaceholderText(f"default: {function_name(self.description.text())}")
        self.sample_note.setText((self.spec and sample_note(self.spec)) or "")
        self.sample_note.setVisible(bool(self.sample_note.text()))
        if self.spec is not None and not self.hand_edited:
            self._set_derived(self.spec.prompt, self.spec.tests)

    def rederive(self) -> None:
        self.hand_edited = False
        self._show_note()
        self.derive()

    def _set_derived(self, prompt: str, tests: str) -> None:
        self._deriving = True
        try:
            if self.prompt_editor.toPlainText() != prompt:
                self.prompt_editor.setPlainText(prompt)
            if self.tests_editor.text() != tests:
                self.tests_editor.setPlainText(tests)
        finally:
            self._deriving = False

    def _on_hand_edit(self) -> None:
        if not self._deriving and not self.hand_edited:
            self.hand_edited = True
            self._show_note()

    def _show_note(self) -> None:
        self.edited_note.setVisible(self.hand_edited)

    def load_entry(self, entry_id: str | None) -> None:
        """Puts a shipped examples task in the table; the derived texts follow it again."""
        entry = next((e for e in self.library if e.id == entry_id), None)
        if entry is None or entry.table is None:  # the library holds examples-kind entries, which have one
            return
        self.description.setText(entry.description)
        self.name_edit.clear()
        self.table.set_table(*entry.table)
        self.rederive()

    # -- running ---------------------------------------------------------------------------------

    def _refusal(self) -> str | None:
        if not self.table.rows():
            return "Write at least one example in the table: its inputs and the expected output."
        if self.spec is None:
            return "Fix the examples table first: " + self.table.problem_text().replace("\n", "; ")
        prompt, tests = self.prompt_editor.toPlainText(), self.tests_editor.text()
        if not prompt.strip() or entry_point(prompt) is None:
            return "The function text defines no function: press Re-derive to rebuild it from the table."
        if not tests.strip():
            return "The tests are empty: press Re-derive to rebuild them from the table."
        problem = tests_problem(tests)
        return problem[1] if problem else None

    def run(self, reuse: tuple[ExampleCandidate, ...] | None = None) -> None:
        """Generates and tests; with `reuse` (an earlier snapshot's candidates) tests those again
        against the table instead of generating."""
        self.derive()  # a pending rebuild, so the job gets what the table says now
        problem = self._refusal()
        if problem is None:
            try:
                params = self.params()
            except InvalidParams as exc:
                problem = f"Invalid parameter: {exc}."
        if problem is not None:
            self.jobs.controller.error.emit(problem)
            return
        prompt = self.prompt_editor.toPlainText()
        name = entry_point(prompt)
        if self.jobs.start(
            self,
            f"From examples: {name}",
            prompt=prompt,
            tests=self.tests_editor.text(),
            entry_point=name,
            header=self.table.header(),
            rows=self.table.rows(),
            description=self.description.text(),
            params=params,
            reuse=reuse,
        ):
            self._show_question()  # the question is about the table as it was

    def answer(self, choice: int) -> None:
        """The user's answer to the question becomes a new example row, and the same candidates
        are tested against the longer table at once, which re-ranks them."""
        snapshot = self.snapshot
        question = snapshot.question if snapshot else None
        if snapshot is None or question is None or self.running:
            return
        if self.hand_edited:
            self.jobs.controller.info.emit(
                "You changed the function or the tests by hand, so a new example "
                "would not reach the tests: press Re-derive, then answer again."
            )
            return
        row = answer_row(question.args, question.answers[choice].text)
        self.table.set_table(self.table.header(), self.table.rows() + [row])
        self.run(reuse=snapshot.candidates)

    def show_snapshot(self, snapshot: ExamplesSnapshot) -> None:
        self.snapshot = snapshot
        chosen = self.selected()
        self.candidates.blockSignals(True)
        self.candidates.clear()
        for rank, candidate in enumerate(snapshot.candidates, start=1):
            # The verdict quotes the candidate's exception messages and returned values.
            item = QListWidgetItem(displayable(list_text(rank, candidate, self.running)))
            item.setForeground(QColor(colour(candidate)) if colour(candidate) else QBrush())
            item.setToolTip(as_html(tooltip_text(candidate, snapshot.inputs)))
            self.candidates.addItem(item)
        indices = [c.index for c in snapshot.candidates]
        row = indices.index(chosen.index) if chosen is not None and chosen.index in indices else 0
        self.candidates.setCurrentRow(row if indices else -1)
        self.candidates.blockSignals(False)
        self._show_selected()
        self._show_status()
        self._show_question()

    def set_model(self, spec: str) -> None:
        """The model now loaded: when it writes nothing right, a larger one is offered."""
        self.question_box.model = spec
        self._show_question()

    def _show_question(self) -> None:
        self.question_box.show_for(self.snapshot, self.running)

    def _show_status(self) -> None:
        if self.snapshot is not None:
            self.status.setText(status_text(self.snapshot, self.running))

    def job_ended(self, ok: bool) -> None:
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)  # "being tested…" becomes "not tested" after a stop

    # -- the chosen function -----------------------------------------------------------------------

    def selected(self) -> ExampleCandidate | None:
        row = self.candidates.currentRow()
        found = self.snapshot.candidates if self.snapshot else ()
        return found[row] if 0 <= row < len(found) else None

    def whole_function(self) -> str | None:
        candidate, snapshot = self.selected(), self.snapshot
        return None if candidate is None or snapshot is None else snapshot.prompt + candidate.completion

    def _problem_name(self) -> str:
        """The shown job's problem name (there is one whenever a candidate is chosen)."""
        if self.snapshot is None:
            raise RuntimeError("no job snapshot is shown")
        return self.snapshot.name

    def _show_selected(self) -> None:
        text = self.whole_function()
        self.function_view.setPlainText(displayable(text or ""))  # Use and Save take `text` itself
        self.use_button.setEnabled(text is not None)
        self.save_button.setEnabled(text is not None)

    def use_function(self) -> None:
        text = self.whole_function()
        if text is None:
            self.jobs.controller.info.emit("Choose a candidate in the list first.")
            return
        QGuiApplication.clipboard().setText(text)
        self.use_requested.emit(text, self.tests_editor.text(), self._problem_name())
        self.jobs.controller.info.emit("The function is copied to the clipboard.")

    def save_function(self, path: str | None = None) -> bool:
        text = self.whole_function()
        if text is None:
            self.jobs.controller.info.emit("Choose a candidate in the list first.")
            return False
        path = path or QFileDialog.getSaveFileName(self, "Save function", f"{self._problem_name()}.py", PY_FILTER)[0]
        if not path:
            return False
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            self.jobs.controller.error.emit(f"Cannot save {path}: {exc}")
            return False
        return True

    # -- the session document ----------------------------------------------------------------------

    def document(self) -> dict:
        return {
            "header": self.table.header(),
            "cells": self.table.cells(),
            "description": self.description.text(),
            "name": self.name_edit.text(),
            "prompt": self.prompt_editor.toPlainText(),
            "tests": self.tests_editor.text(),
            "hand_edited": self.hand_edited,
            "snapshot": None if self.snapshot is None else self.snapshot.to_json(),
        }

    def restore(self, document: dict) -> None:
        self.description.setText(document.get("description", ""))
        self.name_edit.setText(document.get("name", ""))
        self.table.set_table(document["header"], document["cells"])
        self._set_derived(document.get("prompt", ""), document.get("tests", ""))
        self.hand_edited = bool(document.get("hand_edited"))
        self._show_note()
        self.derive()
        self.snapshot = None
        self.candidates.clear()
        self.status.setText("Fill in the table, then press Generate.")
        self._show_question()
        if document.get("snapshot") is not None:
            self.show_snapshot(ExamplesSnapshot.from_json(document["snapshot"]))
