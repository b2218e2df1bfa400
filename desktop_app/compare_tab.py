"""The Compare tab: 2 to 4 pinned runs (Workbench runs and Sampling lab sweeps from History, eval
run directories) side by side: the table of core.evaluation.compare, its figure, each run's best candidate
and the diff of any two candidates. The pinned runs are a session of their own (kind "compare"),
saved at each change and reopened from History.

A change costs one core.evaluation.compare (milliseconds, no model or sandbox); the figure takes a second or
more to draw, so it is drawn in a helper process (started at the first drawing, kept for the
next) and shown when it comes: a thread would hold the GIL and slow every GUI event meanwhile."""

from __future__ import annotations

from collections.abc import Callable

from pygments.lexers import DiffLexer
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from qtconsole.pygments_highlighter import PygmentsHighlighter

from core.displayable import displayable
from core.evaluation import compare as cmp
from core.evaluation.compare_sources import from_eval_dir, from_session
from core.user_error import UserError
from desktop_app import theme
from desktop_app.code_editor import CodeEditor
from desktop_app.figure_drawer import FigureDrawer
from desktop_app.lab_plots import PlotImage
from desktop_app.panes import fill, split
from desktop_app.plain_text import as_html
from desktop_app.presentation import text_scale
from desktop_app.titled import titled
from desktop_app.turns import turns

KIND = "compare"
IDLE_TEXT = (
    "Pin 2 to 4 runs to compare them: a Workbench run or a sweep from History (right-click, "
    "Pin to Compare), or an eval run directory."
)


def _set_code(view: CodeEditor, text: str) -> None:
    """Shows `text` with its hidden characters made visible (core.displayable), unless the view
    shows it already: highlighting it again took a third of a pin's time on the GUI thread, mostly
    for the runs pinned before, whose best did not change."""
    shown = displayable(text)
    if view.toPlainText() != shown:
        view.setPlainText(shown)


def _code_view(parent, lexer=None) -> CodeEditor:
    view = CodeEditor(parent)
    view.setReadOnly(True)
    if lexer is not None:  # the window restyles every CodeEditor's `highlighter` in dark mode
        view.highlighter.setDocument(None)
        view.highlighter = PygmentsHighlighter(view.document(), lexer=lexer)
        view.highlighter.set_style(theme.pygments_style())
    return view


def _diff_entries(comparison: cmp.Comparison | None) -> list[tuple[str, str]]:
    """The candidates the diff can show, as (text shown, key), each run's best first."""
    entries = []
    if comparison is not None:
        for run, letter in enumerate(cmp.LETTERS[: len(comparison.runs)]):
            for sample in cmp.focus_candidates(comparison, run):
                score = "—" if sample.mean_logprob is None else f"{sample.mean_logprob:.3f}"
                verdict = {True: "passes", False: "fails", None: "untested"}[sample.passed]
                entries.append((f"{letter}#{sample.index}  ({score}, {verdict})", f"{letter}#{sample.index}"))
    return entries


def _diff_keys(entries: list[tuple[str, str]], chosen: list | None) -> tuple[str | None, str | None]:
    """`chosen`'s two keys where they are still candidates, else runs A's and B's best."""
    keys = [key for _, key in entries]
    defaults = [next((k for k in keys if k.startswith(letter)), None) for letter in "AB"]
    wanted = [*(chosen or ()), None, None][:2]  # a saved document's pair, or nothing yet
    left, right = (key if key in keys else default for default, key in zip(defaults, wanted))
    return left, right


class CompareTab(QWidget):
    kind = KIND
    title = "Compare"
    error = Signal(str)
    info = Signal(str)
    saved = Signal()  # the History list may have changed

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.runs: list[cmp.RunRecord] = []
        self.comparison: cmp.Comparison | None = None
        self.session_id: int | None = None
        self._dark = theme.is_dark()
        self._text_scale = 1.0  # of the figure's text: presentation mode's larger type
        self._drawer = FigureDrawer(self)  # only the latest comparison's figure is shown
        self._documents: list[dict] = []  # the runs as JSON, made once per change, saved at each
        # The diff's two candidates ("A#3"), kept here so that the session saved with a change
        # names them before the choice boxes are filled at a later turn.
        self.diff_entries: list[tuple[str, str]] = []  # (text shown, key)
        self.diff_keys: tuple[str | None, str | None] = (None, None)

        self.pins = QListWidget(self)
        self.pins.setMaximumHeight(90)
        pin_eval = QPushButton("Pin eval run…", self)
        pin_eval.setToolTip("A `codesynth eval` run directory: one run per temperature")
        pin_eval.clicked.connect(lambda: self.pin_eval_dir())
        self.unpin_button = QPushButton("Unpin", self)
        self.unpin_button.clicked.connect(lambda: self.unpin(self.pins.currentRow()))
        clear = QPushButton("Clear", self)
        clear.setToolTip("Start a new comparison; this one stays in History")
        clear.clicked.connect(self.clear)
        self.status = QLabel(IDLE_TEXT, self)
        self.status.setWordWrap(True)
        # Runs' names and parameters come from session files and servers: plain text, never HTML.
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.plot = PlotImage("The figure: each run's candidates by mean log-prob, and pass@k against k", self)
        self._drawer.drawn.connect(self.plot.set_png)
        self.best_titles = [QLabel(self) for _ in range(cmp.MAX_RUNS)]
        self.best_views = [_code_view(self) for _ in range(cmp.MAX_RUNS)]
        self.diff_left, self.diff_right = QComboBox(self), QComboBox(self)
        for box in (self.diff_left, self.diff_right):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(10)  # the window must still fit a 1024 px screen beside the docks
            box.activated.connect(lambda _i: self._on_diff_chosen())  # the user's choice, not a refill
        self.diff_view = _code_view(self, DiffLexer())

        buttons = QVBoxLayout()
        for button in (pin_eval, self.unpin_button, clear):
            buttons.addWidget(button)
        buttons.addStretch(1)
        pins_row = QHBoxLayout()
        pins_row.addWidget(self.pins, 1)
        pins_row.addLayout(buttons)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(pins_row)
        top_layout.addWidget(self.status)
        top_layout.addWidget(self.table, 1)
        upper = QSplitter(Qt.Orientation.Horizontal, self)
        upper.addWidget(top)
        upper.addWidget(self.plot)
        upper.setSizes([520, 680])
        best = QWidget(self)
        best_layout = QHBoxLayout(best)
        best_layout.setContentsMargins(0, 0, 0, 0)
        for title, view in zip(self.best_titles, self.best_views):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(view)
            best_layout.addLayout(column)
        diff_box = QWidget(self)
        diff_layout = QVBoxLayout(diff_box)
        diff_layout.setContentsMargins(0, 0, 0, 0)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("<b>Diff</b>", self))
        choose.addWidget(self.diff_left, 1)
        choose.addWidget(QLabel("against", self))
        choose.addWidget(self.diff_right, 1)
        diff_layout.addLayout(choose)
        diff_layout.addWidget(self.diff_view, 1)
        lower = split(self, [titled("Each run's best candidate (by mean log-prob)", best), diff_box], [700, 500])
        fill(self, split(self, [upper, lower], [520, 330], Qt.Orientation.Vertical))
        self._show()

    @property
    def running(self) -> bool:  # as a job tab's: a comparison runs nothing, so it never is
        return False

    # -- pinning ---------------------------------------------------------------------------------

    def pin(self, records: list[cmp.RunRecord]) -> bool:
        """Adds `records` (those not pinned yet); refuses them all, saying why, past MAX_RUNS."""
        pinned = {run.origin for run in self.runs}
        new = [record for record in records if record.origin not in pinned]
        if not new:
            self.info.emit("Those runs are pinned already.")
            return False
        if len(self.runs) + len(new) > cmp.MAX_RUNS:
            room = cmp.MAX_RUNS - len(self.runs)
            self.error.emit(
                f"Compare holds at most {cmp.MAX_RUNS} runs: this adds {len(new)} and there is room for "
                f"{room}; unpin some first{' or pin one temperature at a time' if len(new) > 1 else ''}."
            )
            return False
        self.runs.extend(new)
        # Pinned runs keep their letters, so the diff chosen still names the same candidates.
        self._changed(list(self.diff_keys))
        return True

    def pin_session(self, session_id: int) -> bool:
        """A Workbench run, or every temperature of a sweep, saved in the window's store."""
        try:
            return self.pin(from_session(self.store, session_id))
        except UserError as exc:
            self.error.emit(str(exc))
            return False

    def pin_eval_dir(self, path: str | None = None, temperature: float | None = None) -> bool:
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Pin an eval run (the --out directory of codesynth eval)")
            if not path:
                return False
        try:
            return self.pin(from_eval_dir(path, temperature))
        except UserError as exc:
            self.error.emit(str(exc))
            return False

    def unpin(self, row: int) -> None:
        if 0 <= row < len(self.runs):
            del self.runs[row]
            self._changed()

    def clear(self) -> None:
        """A new comparison: the one shown stays in History as it was."""
        self.runs, self.session_id = [], None
        self._show()

    # -- session ---------------------------------------------------------------------------------

    def document(self) -> dict:
        if len(self._documents) != len(self.runs):
            self._documents = [run.to_json() for run in self.runs]
        return {"runs": self._documents, "diff": list(self.diff_keys)}

    def restore(self, session_id: int, document: dict) -> None:
        self.session_id = session_id
        self.runs = [cmp.RunRecord.from_json(run) for run in document["runs"]]
        self._show(document.get("diff"))

    def _changed(self, diff: list | None = None) -> None:
        self._show(diff)
        self._save()

    def _save(self) -> None:
        name = "Compare " + " vs ".join(run.label for run in self.runs)
        if self.session_id is None:
            self.session_id = self.store.create(name[:120], KIND, state="done")
        else:
            self.store.update(self.session_id, name=name[:120])
        self.store.put_document(self.session_id, KIND, self.document())
        self.saved.emit()

    # -- showing ---------------------------------------------------------------------------------

    def _show(self, diff: list | None = None) -> None:
        """The list and the status now; the table, the best candidates, the diff and the figure
        each at a later turn of the event loop (`desktop_app.turns`): together in one handler,
        with the tab's first paint, they held the window for 40-75 ms."""
        self._documents = []
        self.pins.clear()
        self.pins.addItems([f"{letter}: {run.label}   ({run.origin})" for letter, run in zip(cmp.LETTERS, self.runs)])
        self.unpin_button.setEnabled(bool(self.runs))
        self._drawer.drop()
        self.comparison = cmp.compare(self.runs) if len(self.runs) >= cmp.MIN_RUNS else None
        self.diff_entries = _diff_entries(self.comparison)
        self.diff_keys = _diff_keys(self.diff_entries, diff)
        for name, part in self._parts().items():
            turns().add((self, name), part)
        if self.comparison is None:
            self.status.setText(IDLE_TEXT if not self.runs else "Pin one more run to compare.")
            return
        common = ", ".join(f"{k} {v}" for k, v in self.comparison.common)  # a server's model name among them
        self.status.setText(
            displayable(f"Best candidates and diffs of {self.comparison.focus}.")
            + (" Same in every run: " + displayable(common) if common else "")
        )

    def _parts(self) -> dict[str, Callable[[], None]]:
        """What `_show` leaves to later turns, by name."""
        return {
            "table": self._show_table,
            "best": self._show_best,
            "diff": self._show_diff_choices,
            "figure": self._draw,
        }

    @property
    def settled(self) -> bool:
        """Every part of the latest change is shown, but the figure, which comes when it is drawn."""
        return not any(turns().waiting((self, name)) for name in self._parts())

    def _show_table(self) -> None:
        comparison = self.comparison
        if comparison is None:
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        rows = cmp.table(comparison)
        self.table.setColumnCount(len(comparison.runs))
        self.table.setHorizontalHeaderLabels(list(cmp.LETTERS[: len(comparison.runs)]))
        for column, header in enumerate(comparison.headers):
            item = self.table.horizontalHeaderItem(column)
            if item is not None:  # set by setHorizontalHeaderLabels just above
                item.setToolTip(as_html(header))
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([row[0] for row in rows])
        for i, row in enumerate(rows):
            for j, text in enumerate(row[1:]):
                item = QTableWidgetItem(displayable(text))  # a server names its own model
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, item)

    def _show_best(self) -> None:
        stats = self.comparison.stats if self.comparison else ()
        for i, (title, view) in enumerate(zip(self.best_titles, self.best_views)):
            shown = i < len(self.runs)
            title.setVisible(shown)
            view.setVisible(shown)
            best = stats[i].best if i < len(stats) else None
            verdict = "" if best is None else {True: " ✓ passes", False: " ✗ fails", None: " untested"}[best.passed]
            title.setText(f"<b>{cmp.LETTERS[i]}</b>" + ("" if best is None else f" #{best.index}{verdict}"))
            title.setStyleSheet(
                "" if best is None or best.passed is None else f"color: {theme.PASS if best.passed else theme.FAIL}"
            )
            _set_code(view, "" if best is None else best.completion)

    def _show_diff_choices(self) -> None:
        keys = [key for _, key in self.diff_entries]
        for box, chosen in zip((self.diff_left, self.diff_right), self.diff_keys):
            box.blockSignals(True)
            box.clear()
            for text, key in self.diff_entries:
                box.addItem(text, key)
            box.setCurrentIndex(keys.index(chosen) if chosen in keys else -1)
            box.blockSignals(False)
        self._show_diff()

    def _on_diff_chosen(self) -> None:
        self.diff_keys = (self.diff_left.currentData(), self.diff_right.currentData())
        self._show_diff()
        if self.session_id is not None:
            self.store.put_document(self.session_id, KIND, self.document())

    def _show_diff(self) -> None:
        left, right = self.diff_keys
        if self.comparison is None or left is None or right is None:
            _set_code(self.diff_view, "")
            return
        text = cmp.diff(cmp.pick(self.comparison, left), cmp.pick(self.comparison, right), left, right)
        _set_code(self.diff_view, text or f"{left} and {right} are the same program.")

    # -- the figure ------------------------------------------------------------------------------

    def _draw(self) -> None:
        if self.comparison is None:
            self.plot.set_png(b"")
            return
        self._drawer.draw(cmp.render_png, self.comparison, self._dark, text_scale=self._text_scale)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        # View > Dark mode changes the palette, and presentation mode the font: the figure is drawn
        # again in the other style, or with larger text.
        dark, scale = theme.is_dark(), text_scale(self)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange) and (dark, scale) != (
            self._dark,
            self._text_scale,
        ):
            self._dark, self._text_scale = dark, scale
            self._draw()

    def shutdown(self) -> None:
        for name in self._parts():  # the widgets go with the window
            turns().drop((self, name))
        self._drawer.shutdown()
