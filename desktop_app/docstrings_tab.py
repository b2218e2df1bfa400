"""The Docstrings tab (reverse mode, the paper's Codex-D): code in, ranked docstrings out, each with
its back-translation score; the chosen one goes into the code through the editor's cursor, so
Undo takes it out again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.displayable import displayable
from core.host.snapshots import (
    COPIES_CODE,
    NO_INPUTS,
    OFF,
    PENDING,
    SCORED,
    STOPPED,
    DocstringRow,
    DocstringsSnapshot,
)
from core.modes.docstrings import docstring_edit, functions_in
from core.sampling.params import InvalidParams
from desktop_app import theme
from desktop_app.code_editor import CodeEditor, replace_all
from desktop_app.count_box import CountBox, with_note
from desktop_app.job_tab import JobTab
from desktop_app.panes import fill, split
from desktop_app.prompt_files import PY_FILTER
from desktop_app.tests_editor import TestsEditor

CODE_PLACEHOLDER = (
    "Paste a function (or a module with several), open a .py file or drop one here.\n\n"
    "def hypot(a, b):\n    return (a * a + b * b) ** 0.5\n"
)
TESTS_PLACEHOLDER = (
    "Optional: calls that give example inputs for the back-translation check, e.g.\nassert hypot(3, 4) == 5.0"
)
COLUMNS = ("Rank", "Mean log-prob", "Back-translation", "Copies code", "Docstring")
RANK, MEAN, BACK, COPIES = range(4)
BACK_TRANSLATION_TIP = (
    "Back-translation: the model writes programs from the signature and this docstring alone; "
    "the percentage is the share of them that return what your function returns on the example "
    "inputs. Higher means the docstring says what the code does."
)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_SAMPLES = 50  # back-translation programs per docstring
SCORE_TEXT = {
    PENDING: "…",
    NO_INPUTS: "n/a (no example inputs)",
    OFF: "off",
    COPIES_CODE: "failure (copies code)",
    STOPPED: "not scored (stopped)",
}


class SortItem(QTableWidgetItem):
    """A cell that sorts by its SORT_ROLE value (a number), not by its text ("9%" after "10%")."""

    def __lt__(self, other) -> bool:
        return self.data(SORT_ROLE) < other.data(SORT_ROLE)


def _cells(rank: int, row: DocstringRow, running: bool) -> list[tuple[str, object]]:
    """(text, sort value) of each column of a docstring's row."""
    mean = row.mean_logprob
    score = row.score if row.status == SCORED and row.score is not None else -1.0  # unscored sorts below 0%
    return [
        (str(rank), rank),
        ("—" if mean is None else f"{mean:.3f}", float("-inf") if mean is None else mean),
        (score_text(row, running), score),
        ("yes" if row.copies_code else "", int(row.copies_code)),
        (displayable(row.text.split("\n", 1)[0]), row.text),
    ]


def score_text(row: DocstringRow, running: bool) -> str:
    if row.status == SCORED:
        return f"{row.score:.0%}"
    # A pending score of a job that has ended (failed, or the app was killed) will not come.
    return SCORE_TEXT[STOPPED if row.status == PENDING and not running else row.status]


class DocstringsTab(JobTab):
    kind = "docstrings"
    title = "Docstrings"

    def __init__(self, jobs, params, parent=None) -> None:
        super().__init__(jobs, params, parent)
        self.snapshot: DocstringsSnapshot | None = None
        self._make_widgets()
        # Parse after a pause in typing rather than on every key.
        self._debounce = QTimer(self, singleShot=True, interval=300, timeout=self.refresh_functions)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self.code.textChanged.connect(self._debounce.start)
        self.code.file_dropped.connect(self.open_file)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_docstring(row))
        self.show_snapshot(None)

    # -- construction ----------------------------------------------------------------------------

    def _make_widgets(self) -> None:
        self.function_box = QComboBox(self, minimumContentsLength=16)
        self.function_box.setToolTip("The top-level function to write docstrings for")
        open_button = QPushButton("Open .py…", self, clicked=lambda: self.open_file())  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        save_button = QPushButton("Save code as…", self, clicked=lambda: self.save_code())  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        self.samples = CountBox(0, MAX_SAMPLES, 5, "more programs per docstring take long and change little", self)
        self.samples.setToolTip(
            "Programs written from the signature and each docstring, run against the original "
            "on the example inputs (0: no back-translation check)"
        )
        top = QHBoxLayout()
        top.addWidget(QLabel("Function:"))
        top.addWidget(self.function_box, 1)
        top.addWidget(open_button)
        top.addWidget(save_button)
        self.code = CodeEditor(self, CODE_PLACEHOLDER)
        self.code_error = QLabel(self, wordWrap=True)
        self.code_error.setStyleSheet(f"color: {theme.FAIL}; font-weight: bold")
        self.code_error.hide()
        self.tests = TestsEditor(self)
        self.tests.editor.setPlaceholderText(TESTS_PLACEHOLDER)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Back-translation samples:"))
        bottom.addWidget(with_note(self.samples, self))
        bottom.addStretch(1)
        bottom.addWidget(QLabel("Ctrl+Enter writes the docstrings"))
        code_box = QWidget(self)
        code_layout = QVBoxLayout(code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        code_layout.addLayout(top)
        code_layout.addWidget(self.code, 1)
        code_layout.addWidget(self.code_error)
        tests_box = QWidget(self)
        tests_layout = QVBoxLayout(tests_box)
        tests_layout.setContentsMargins(0, 0, 0, 0)
        tests_layout.addWidget(
            QLabel("<b>Calls that give example inputs</b> (optional; doctests count too)", wordWrap=True)
        )
        tests_layout.addWidget(self.tests, 1)
        tests_layout.addLayout(bottom)
        inputs = QSplitter(Qt.Orientation.Vertical, self)
        inputs.addWidget(code_box)
        inputs.addWidget(tests_box)
        inputs.setSizes([500, 150])

        self.status = QLabel(self, wordWrap=True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        back_header = self.table.horizontalHeaderItem(BACK)
        if back_header is None:  # setHorizontalHeaderLabels made one per column
            raise RuntimeError("the docstrings table has no back-translation column header")
        back_header.setToolTip(BACK_TRANSLATION_TIP)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(RANK, Qt.SortOrder.AscendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.docstring_view = QPlainTextEdit(self, readOnly=True)
        self.docstring_view.setPlaceholderText("Select a docstring to see all of it.")
        self.insert_button = QPushButton("Insert into code", self, clicked=self.insert_selected)  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        self.insert_button.setToolTip("Rewrite the function in the editor with this docstring (Undo takes it out)")
        results = QWidget(self)
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.status)
        results_layout.addWidget(self.table, 2)
        results_layout.addWidget(self.docstring_view, 1)
        results_layout.addWidget(self.insert_button, 0, Qt.AlignmentFlag.AlignRight)

        fill(self, split(self, [inputs, results], [500, 700]))

    # -- the code --------------------------------------------------------------------------------

    def _error(self, text: str) -> None:
        self.jobs.controller.error.emit(text)

    def refresh_functions(self) -> None:
        """Fills the picker from the code, keeping the chosen function; a syntax error is shown on
        its line and leaves the picker as it was."""
        self._debounce.stop()
        code = self.code.toPlainText()
        try:
            names = [f.name for f in functions_in(code)]
        except SyntaxError as exc:
            self.code.mark_error_line(exc.lineno)
            self.code_error.setText(f"Syntax error, line {exc.lineno}: {exc.msg}")
            self.code_error.show()
            return
        self.code.mark_error_line(None)
        self.code_error.setText("" if names or not code.strip() else "No top-level function (def) in the code.")
        self.code_error.setVisible(bool(self.code_error.text()))
        chosen = self.function_box.currentText()
        self.function_box.clear()
        self.function_box.addItems(names)
        if chosen in names:
            self.function_box.setCurrentText(chosen)

    def open_file(self, path: str | None = None) -> None:
        path = path or QFileDialog.getOpenFileName(self, "Open Python code", "", PY_FILTER)[0]
        if not path:
            return
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            self._error(f"Could not open {path}: {exc}")
            return
        replace_all(self.code, text)
        self.refresh_functions()

    def save_code(self, path: str | None = None) -> None:
        path = path or QFileDialog.getSaveFileName(self, "Save code as", "code.py", PY_FILTER)[0]
        if not path:
            return
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.code.toPlainText())
        except OSError as exc:
            self._error(f"Could not save {path}: {exc}")
            return
        self.jobs.controller.info.emit(f"Saved the code to {path}.")

    # -- running ---------------------------------------------------------------------------------

    def _problem(self) -> str | None:
        """Why the inputs cannot run, or None."""
        code = self.code.toPlainText()
        if not code.strip():
            return "Paste or open a Python function first: the code is empty."
        try:
            functions = functions_in(code)
        except SyntaxError as exc:
            return f"The code is not valid Python (line {exc.lineno}: {exc.msg}): fix it first."
        if not functions:
            return "The code has no top-level function (def) to write a docstring for."
        return self.tests.check()

    def run(self) -> None:
        self.refresh_functions()
        problem = self._problem()
        if problem is not None:
            self._error(problem)
            return
        try:
            params = self.params()
        except InvalidParams as exc:
            self._error(f"Invalid parameter: {exc}.")
            return
        shown, name = self.snapshot, self.function_box.currentText()
        self.show_snapshot(None)  # the new run's session starts without the old results
        if not self.jobs.start(
            self,
            f"Docstrings for {name}",
            code=self.code.toPlainText(),
            function=name,
            tests=self.tests.text(),
            params=params,
            back_translation_samples=self.samples.value(),
        ):
            self.show_snapshot(shown)

    def show_snapshot(self, snapshot: DocstringsSnapshot | None) -> None:
        self.snapshot = snapshot
        rows = snapshot.docstrings if snapshot else ()
        selected = self._docstring_at(self.table.currentRow())
        self.table.setSortingEnabled(False)  # rows stay where they are put while they are filled
        self.table.setRowCount(len(rows))
        samples = snapshot.samples if snapshot else 0
        for r, row in enumerate(rows):
            for c, (text, key) in enumerate(_cells(r + 1, row, self.running)):
                item = SortItem(text)
                item.setData(SORT_ROLE, key)
                item.setData(Qt.ItemDataRole.UserRole, r)  # the docstring's place in the snapshot
                if c in (BACK, COPIES) and (row.copies_code or row.status == SCORED):
                    good = row.status == SCORED and (row.score or 0) >= 0.5
                    item.setForeground(QColor(theme.PASS if good else theme.FAIL))
                if c == BACK and row.status == SCORED:
                    item.setToolTip(
                        f"{round((row.score or 0) * samples)} of {samples} programs written from this "
                        "docstring alone agree with your function on the example inputs."
                    )
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        shown = [self._docstring_at(r) for r in range(self.table.rowCount())]
        if selected in shown:
            self.table.setCurrentCell(shown.index(selected), 0)
        self._show_docstring(self.table.currentRow())
        self.status.setText(self._summary())

    def _summary(self) -> str:
        if self.snapshot is None:
            return "Docstrings for the chosen function appear here, best mean log-prob first."
        rows, name = self.snapshot.docstrings, self.snapshot.function
        if self.snapshot.state == "generating":
            return f"Writing docstrings for {name}…"
        scored = sum(r.status == SCORED for r in rows)
        checked = sum(r.status in (SCORED, PENDING, STOPPED) for r in rows)
        text = f"{len(rows)} docstrings for {name}, best mean log-prob first."
        if checked:
            text += (
                f" Back-translation: {scored} of {checked} scored, {self.snapshot.samples} programs each,"
                f" on {len(self.snapshot.inputs)} example inputs; its percentage is the share of programs "
                "written from the docstring alone that agree with your function."
            )
        return text + (" Stopped." if self.snapshot.state == "stopped" else "")

    def job_ended(self, ok: bool) -> None:
        self.show_snapshot(self.snapshot)  # scores still pending will not come

    # -- the chosen docstring --------------------------------------------------------------------

    def _docstring_at(self, table_row: int) -> int | None:
        """The snapshot position of the docstring shown in `table_row` (the table may be sorted)."""
        item = self.table.item(table_row, RANK) if table_row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_docstring(self, table_row: int) -> None:
        rows = self.snapshot.docstrings if self.snapshot else ()
        row = self._docstring_at(table_row)
        self.docstring_view.setPlainText(displayable(rows[row].text) if row is not None and row < len(rows) else "")
        self.insert_button.setEnabled(row is not None and row < len(rows))

    def insert_selected(self) -> None:
        """Gives the function the selected docstring, replacing its own, as one undoable edit."""
        row = self._docstring_at(self.table.currentRow())
        if self.snapshot is None or row is None or row >= len(self.snapshot.docstrings):
            self._error("Select a docstring in the table first.")
            return
        name = self.snapshot.function
        try:
            first, end, text = docstring_edit(self.code.toPlainText(), name, self.snapshot.docstrings[row].text)
        except SyntaxError as exc:
            self._error(f"The code is not valid Python (line {exc.lineno}: {exc.msg}): fix it before inserting.")
            return
        except LookupError:
            self._error(f"The code no longer has a function named {name}.")
            return
        document = self.code.document()
        last = end >= document.blockCount()  # the edit runs to the end of the text
        stop = document.characterCount() - 1 if last else document.findBlockByNumber(end).position()
        cursor = QTextCursor(document)
        cursor.setPosition(document.findBlockByNumber(first).position())
        cursor.setPosition(stop, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)
        self.code.setTextCursor(cursor)

    # -- sessions --------------------------------------------------------------------------------

    def document(self) -> dict:
        return {
            "code": self.code.toPlainText(),
            "tests": self.tests.text(),
            "function": self.function_box.currentText(),
            "samples": self.samples.value(),
            "snapshot": None if self.snapshot is None else self.snapshot.to_json(),
        }

    def restore(self, document: dict) -> None:
        replace_all(self.code, document["code"])
        replace_all(self.tests.editor, document["tests"])
        self.refresh_functions()
        self.function_box.setCurrentText(document["function"])
        self.samples.setValue(document["samples"])
        snapshot = document["snapshot"]
        self.show_snapshot(None if snapshot is None else DocstringsSnapshot.from_json(snapshot))
