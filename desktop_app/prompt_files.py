"""Opening and saving the prompt and the tests (dialogs, drops, recent files), and loading a new
problem into them (a HumanEval task, a shipped example, a function from another tab): a new
problem starts with an empty table, the old run staying in History. Mixed into the main window,
whose editors, controller and message bar it uses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.modes.entry_point import entry_point
from desktop_app.code_editor import replace_all
from desktop_app.engine_client import GENERATING
from desktop_app.problem_browser import ProblemBrowser
from desktop_app.window_mixin import WindowMixin
from desktop_app.workbench_recorder import STOPPED

PY_FILTER = "Python files (*.py);;All files (*)"
APP_TITLE = "CodeSynth Studio"


class PromptFiles(WindowMixin):
    def _read(self, path: str) -> str | None:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.message.error(f"Cannot open {path}: {exc}")
            return None

    def _write(self, path: str, text: str) -> bool:
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            self.message.error(f"Cannot save {path}: {exc}")
            return False
        self.status.showMessage(f"Saved {path}", 3000)
        return True

    def open_prompt(self, path: str | None = None) -> None:
        path = path or QFileDialog.getOpenFileName(self, "Open prompt", "", PY_FILTER)[0]
        text = self._read(path) if path else None
        if text is not None:
            self.start_problem(text, None, Path(path).name)
            self.prompt_path = path
            self.recent_menu.add(path)

    def save_prompt(self) -> None:
        if self.prompt_path is None:
            self.save_prompt_as()
        else:
            self._write(self.prompt_path, self.prompt_editor.toPlainText())

    def save_prompt_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save prompt", "prompt.py", PY_FILTER)
        if path and self._write(path, self.prompt_editor.toPlainText()):
            self.prompt_path = path
            self.recent_menu.add(path)

    def open_tests(self, path: str | None = None) -> None:
        path = path or QFileDialog.getOpenFileName(self, "Open tests", "", PY_FILTER)[0]
        text = self._read(path) if path else None
        if text is not None:
            self.tests_editor.setPlainText(text)

    def save_tests_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save tests", "tests.py", PY_FILTER)
        if path:
            self._write(path, self.tests_editor.text())

    def browse_problems(self) -> None:
        from core.evaluation.problems import load_problems

        try:
            problems = load_problems()
        except (OSError, ValueError) as exc:
            self.message.error(f"Cannot read HumanEval: {exc}")
            return
        dialog = ProblemBrowser(problems, self)
        if dialog.exec():
            self.load_problem(dialog.selected())

    def start_problem(self, prompt: str, tests: str | None, title: str) -> None:
        """A new problem in the Workbench editors (Undo brings the old text back; `tests` None
        keeps the tests), titled `title` in the window and in History, with an empty table: the
        previous run, already saved, stays in History (one still generating is stopped first)."""
        if self.controller.engine.state == GENERATING:
            self.controller.stop()
            self.message.info("The previous run was stopped for the new problem; it is kept in History.")
        self.recorder.finish(STOPPED)  # a run still being tested ends here
        self.controller.clear_run()
        self.details.show_entry("", None)
        self.tabs.setCurrentWidget(self.splitter)
        replace_all(self.prompt_editor, prompt)
        if tests is not None:
            replace_all(self.tests_editor.editor, tests)
            self.tests_editor.check()
        self.prompt_path = None
        self.problem = (title, entry_point(prompt))
        self.setWindowTitle(f"{APP_TITLE} — {title}")

    def run_name(self, prompt: str) -> str | None:
        """What History calls a run of `prompt`: the loaded problem's title while the prompt still
        ends in its function, else None (the function's own name)."""
        title, function = self.problem
        return title if title and function is not None and entry_point(prompt) == function else None

    def load_problem(self, problem: dict | None) -> None:
        if problem is None:
            return
        self.start_problem(problem["prompt"], problem["test"], problem["task_id"])
        if entry_point(problem["prompt"]) != problem["entry_point"]:
            self.message.info(f"Tests call {problem['entry_point']}, but the prompt ends with another function.")
