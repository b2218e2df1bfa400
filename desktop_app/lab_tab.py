"""The Sampling lab: a temperature sweep on one problem, with the figures of the Codex paper
(pass@k against k, distinct programs, the log-probs of passing and failing samples, the ranking
curves) updating live as samples arrive and are tested, for a talk or to choose a temperature.
The sweep and its figures are drawn in the engine process (core/host/jobs/sweep_job.py), which
sends only the samples and figures that changed; the tab keeps the samples and derives its table
and CSV from them. A reopened session's figures, and presentation mode's larger ones, are drawn
from the samples in a helper process (desktop_app/figure_drawer.py), never on the GUI thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.evaluation.sweep import Sweep, TemperatureRow
from core.evaluation.sweep_figures import PLOTS, render
from core.host.snapshots import SweepUpdate
from core.modes.entry_point import entry_point
from core.modes.example_library import load_library
from core.modes.source_check import prompt_problem
from core.sampling.params import InvalidParams
from desktop_app import theme
from desktop_app.code_editor import CodeEditor, replace_all
from desktop_app.count_box import CountBox, with_note
from desktop_app.figure_drawer import FigureDrawer
from desktop_app.job_tab import JobTab
from desktop_app.lab_plots import PlotGrid
from desktop_app.panes import fill, split
from desktop_app.presentation import text_scale
from desktop_app.tests_editor import TestsEditor

PLACEHOLDERS = dict(
    zip(
        PLOTS,
        (
            "pass@k against k, per temperature: drawn at the first test verdicts",
            "Distinct programs against temperature: drawn at the first sample",
            "Mean log-prob of passing and failing samples: drawn at the first test verdicts",
            "Ranking: mean and sum log-prob against random and the oracle, at the hottest temperature tested",
        ),
    )
)
IDLE_TEXT = "No sweep yet: write or load a problem and press Run sweep (Ctrl+Enter), or Demo preset."


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


class LabTab(JobTab):
    kind = "sweep"
    title = "Sampling lab"
    problem_requested = Signal()  # "Use Workbench problem": the window answers with set_problem()

    def __init__(self, jobs, params, parent=None) -> None:
        super().__init__(jobs, params, parent)
        self.sweep: Sweep | None = None  # the samples so far: the table, CSV and figures derive from them
        self._engine_pngs: dict[str, bytes] = {}  # the figures at the usual size, as the engine drew them
        self._text_scale = 1.0  # presentation mode's: above 1 the figures are drawn again here, larger
        self._drawer = FigureDrawer(self)
        self.library = [entry for entry in load_library() if entry.kind == "lab"]

        self.examples = QComboBox(self)
        self.examples.addItem("Load a lab example…")
        for entry in self.library:
            self.examples.addItem(entry.title)
        self.examples.activated.connect(self._on_example_chosen)
        self.examples.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.examples.setMinimumContentsLength(14)  # a long example title must not widen the window
        self.workbench_button = QPushButton("Use Workbench problem", self)
        self.workbench_button.setToolTip("Copy the Workbench's prompt and tests here")
        self.workbench_button.clicked.connect(self.problem_requested)
        self.prompt_editor = CodeEditor(self, 'def f(x: int) -> int:\n    """What the function does."""\n')
        self.tests_editor = TestsEditor(self)
        self.temperatures = QLineEdit("0.2, 0.6, 1.0", self)
        self.temperatures.setToolTip("Comma-separated sampling temperatures, each between 0 and 2")
        self.samples = CountBox(1, 500, 5, "more samples per temperature would take hours on a CPU", self)
        self.samples.setToolTip("Samples drawn at each temperature: pass@k is estimated up to k = this number")
        self.max_new_tokens = QSpinBox(self, minimum=0, maximum=4096, value=0, specialValueText="as in Parameters")  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self.max_new_tokens.setToolTip("Set by the presets; at its lowest, the Parameters dock's value is used")
        run_button = QPushButton("Run sweep", self)
        run_button.setToolTip("Ctrl+Enter; Esc stops")
        run_button.clicked.connect(self.run)
        self.demo_button = QPushButton("Demo preset", self)
        self.demo_button.setToolTip("Loads a lab example with the demo settings and starts the sweep")
        self.demo_button.clicked.connect(self.run_demo)

        self.progress = QLabel(IDLE_TEXT, self)
        self.progress.setWordWrap(True)
        self.table = QTableWidget(0, 6, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(170)
        self.plots = PlotGrid(PLACEHOLDERS, self)
        self._drawer.drawn.connect(self._on_drawn)
        save_plots = QPushButton("Save plots (PNG)…", self)
        save_plots.clicked.connect(lambda: self.save_plots())
        save_csv = QPushButton("Save CSV…", self)
        save_csv.clicked.connect(lambda: self.save_csv())

        inputs = QWidget(self)
        left = QVBoxLayout(inputs)
        left.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.examples, 1)
        row.addWidget(self.workbench_button)
        left.addLayout(row)
        left.addWidget(QLabel("Prompt", self))
        left.addWidget(self.prompt_editor, 3)
        left.addWidget(QLabel("Tests", self))
        left.addWidget(self.tests_editor, 2)
        form = QFormLayout()
        form.addRow("Temperatures", self.temperatures)
        form.addRow("Samples per temperature", with_note(self.samples, self))
        form.addRow("Max new tokens", self.max_new_tokens)
        left.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(run_button)
        row.addWidget(self.demo_button)
        left.addLayout(row)

        results = QWidget(self)
        right = QVBoxLayout(results)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.progress)
        right.addWidget(self.table)
        right.addWidget(self.plots, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(save_plots)
        row.addWidget(save_csv)
        right.addLayout(row)

        fill(self, split(self, [inputs, results], [380, 820]))
        self._show_table([], self.samples.value())

    # -- inputs ------------------------------------------------------------------------------------

    def set_problem(self, prompt: str, tests: str) -> None:
        replace_all(self.prompt_editor, prompt)
        replace_all(self.tests_editor.editor, tests)
        self.tests_editor.check()
        self.examples.setCurrentIndex(0)

    def load_example(self, index: int, sweep: dict | None = None) -> None:
        """Loads lab example `index` with its sweep settings, or with `sweep` when given."""
        entry = self.library[index]
        self.set_problem(entry.prompt, entry.tests)
        self.examples.setCurrentIndex(index + 1)
        sweep = sweep or entry.sweep
        self.temperatures.setText(", ".join(f"{t:g}" for t in sweep["temperatures"]))
        self.samples.setValue(sweep["n"])
        self.max_new_tokens.setValue(sweep.get("max_new_tokens", 0))

    def _on_example_chosen(self, combo_index: int) -> None:
        if combo_index > 0:
            self.load_example(combo_index - 1)

    def run_demo(self) -> None:
        """A good sweep for a talk: the first lab example with the demo settings, started at once."""
        from core.evaluation.sweep import DEMO

        self.load_example(0, DEMO)
        self.run()

    def _sweep_settings(self, prompt: str, tests: str):
        """(temperatures, params) of the sweep to run, or ValueError saying what to fix."""
        from core.evaluation.sweep import parse_temperatures

        if not prompt.strip():
            raise ValueError("The prompt is empty: write a function signature and docstring, or load a lab example.")
        broken = prompt_problem(prompt)
        if broken is not None:
            raise ValueError(f"Syntax error in the prompt, line {broken.line}: {broken.message}. Fix it, then run.")
        if entry_point(prompt) is None:
            raise ValueError("The prompt defines no function to sample: start it with `def name(...):`.")
        if not tests.strip():
            raise ValueError(
                "The sweep needs tests to tell passing samples from failing ones: write `def check(candidate):`."
            )
        problem = self.tests_editor.check()
        if problem is not None:
            raise ValueError(problem)
        temperatures = parse_temperatures(self.temperatures.text())
        try:
            params = self.params()
        except InvalidParams as exc:
            raise ValueError(f"Invalid parameter: {exc}.") from exc
        if self.max_new_tokens.value():
            params = replace(params, max_new_tokens=self.max_new_tokens.value())
        return temperatures, params

    def run(self) -> None:
        prompt, tests = self.prompt_editor.toPlainText(), self.tests_editor.text()
        try:
            temperatures, params = self._sweep_settings(prompt, tests)
        except ValueError as exc:
            self.jobs.controller.error.emit(str(exc))
            return
        name, n = entry_point(prompt), self.samples.value()
        previous, self.sweep = self.sweep, None  # the new session starts with the inputs alone
        started = self.jobs.start(
            self,
            f"Sweep of {name} at T = {self.temperatures.text()}",
            prompt=prompt,
            tests=tests,
            entry_point=name,
            temperatures=temperatures,
            n=n,
            params=params,
            dark=theme.is_dark(),
        )
        if not started:
            self.sweep = previous
            return
        self.sweep, self._engine_pngs = Sweep(temperatures, n), {}
        self.plots.set_pngs({})
        self._drawer.drop()
        self._show_sweep()

    # -- results -----------------------------------------------------------------------------------

    def show_snapshot(self, update: SweepUpdate) -> None:
        sweep = self.sweep
        if sweep is None or (sweep.temperatures, sweep.n) != (update.temperatures, update.n):
            sweep = self.sweep = Sweep(update.temperatures, update.n)
        for sample in update.samples:
            sweep.record(sample)
        self._engine_pngs.update(update.figures)
        self._show_sweep()
        if self._text_scale == 1:
            self.plots.set_pngs(self._engine_pngs)
        elif update.samples:  # the larger figures are drawn again from the new samples
            self._redraw()

    def _show_sweep(self) -> None:
        sweep = self.sweep
        if sweep is None:
            self.progress.setText(IDLE_TEXT)
            self._show_table([], self.samples.value())
            return
        done = ", done" if sweep.done else ""
        self.progress.setText(f"{len(sweep.samples)}/{sweep.total} sampled, {sweep.tested} tested{done}")
        self._show_table(sweep.table(), sweep.n)

    def _redraw(self) -> None:
        """The figures drawn from the samples, when the engine's own cannot be shown: presentation
        mode's larger text, or a reopened session."""
        sweep = self.sweep
        if sweep is None or not sweep.samples or (self._text_scale == 1 and self._engine_pngs):
            self._drawer.drop()
            self.plots.set_pngs(self._engine_pngs)
            return
        self._drawer.draw(render, sweep.temperatures, sweep.n, list(sweep.samples), theme.is_dark(), self._text_scale)

    def _on_drawn(self, pngs: dict[str, bytes]) -> None:
        if self._text_scale == 1:  # a reopened session's: they stand for the engine's
            self._engine_pngs = dict(pngs)
        self.plots.set_pngs(pngs)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and text_scale(self) != self._text_scale:
            self._text_scale = text_scale(self)
            self._redraw()

    def shutdown(self) -> None:
        self._drawer.shutdown()

    def job_ended(self, ok: bool) -> None:
        # A stopped sweep ends like a finished one, with samples left untested.
        if self.sweep is not None and not self.sweep.done:
            self.progress.setText(f"{self.progress.text()}: {'stopped' if ok else 'failed'}")

    def _show_table(self, rows: list[TemperatureRow], n: int) -> None:
        self.table.setHorizontalHeaderLabels(
            ["T", "sampled", "passed / tested", "pass@1", f"pass@{n}", "distinct (passing)"]
        )
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = (
                f"{row.temperature:g}",
                str(row.sampled),
                f"{row.passed} / {row.tested}",
                _percent(row.pass_at_1),
                _percent(row.pass_at_n),
                f"{row.distinct} ({row.distinct_passing})",
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, item)

    def save_plots(self, folder: str | Path | None = None) -> list[Path]:
        """Writes the four figures as PNGs into `folder` (asked for when None); returns their paths."""
        pngs = self.plots.pngs()
        if not pngs:
            self.jobs.controller.error.emit("There are no plots to save yet: run a sweep first (Ctrl+Enter).")
            return []
        folder = folder or QFileDialog.getExistingDirectory(self, "Save the plots in")
        if not folder:
            return []
        paths = [Path(folder) / f"{name}.png" for name in pngs]
        try:
            for path, png in zip(paths, pngs.values()):
                path.write_bytes(png)
        except OSError as exc:
            self.jobs.controller.error.emit(f"Could not save the plots: {exc}")
            return []
        self.jobs.controller.info.emit(f"Saved {len(paths)} plots in {folder}.")
        return paths

    def save_csv(self, path: str | Path | None = None) -> Path | None:
        """Writes every sample of the sweep as CSV to `path` (asked for when None)."""
        if self.sweep is None or not self.sweep.samples:
            self.jobs.controller.error.emit("There are no samples to save yet: run a sweep first (Ctrl+Enter).")
            return None
        path = path or QFileDialog.getSaveFileName(self, "Save the samples as CSV", "sweep.csv", "CSV (*.csv)")[0]
        if not path:
            return None
        try:
            Path(path).write_text(self.sweep.to_csv(), encoding="utf-8")
        except OSError as exc:
            self.jobs.controller.error.emit(f"Could not save the CSV: {exc}")
            return None
        self.jobs.controller.info.emit(f"Saved {len(self.sweep.samples)} samples to {path}.")
        return Path(path)

    def _example_id(self) -> str:
        index = self.examples.currentIndex()
        return self.library[index - 1].id if index > 0 else ""

    # -- session -----------------------------------------------------------------------------------

    def document(self) -> dict:
        """The inputs and the samples (core.storage.session_documents, version 2): no table, CSV or figure,
        since they are derived from the samples again when the session is reopened."""
        return {
            "prompt": self.prompt_editor.toPlainText(),
            "tests": self.tests_editor.text(),
            "temperatures": self.temperatures.text(),
            "n": self.samples.value(),
            "max_new_tokens": self.max_new_tokens.value(),
            "example": self._example_id(),
            "sweep": None if self.sweep is None else self.sweep.to_json(),
        }

    def restore(self, document: dict) -> None:
        self.set_problem(document["prompt"], document["tests"])
        ids = [entry.id for entry in self.library]
        self.examples.setCurrentIndex(ids.index(document["example"]) + 1 if document["example"] in ids else 0)
        self.temperatures.setText(document["temperatures"])
        self.samples.setValue(document["n"])
        self.max_new_tokens.setValue(document["max_new_tokens"])
        self.sweep = None if document["sweep"] is None else Sweep.from_json(document["sweep"])
        self._engine_pngs = {}
        self.plots.set_pngs({})
        self._show_sweep()
        self._redraw()
