"""Opening and saving the prompt and the tests (dialogs, drops, recent files), and loading a
HumanEval problem into them. Mixed into the main window, whose editors and message bar it uses."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from core.entry_point import entry_point
from desktop_app.problem_browser import ProblemBrowser

PY_FILTER = "Python files (*.py);;All files (*)"


class PromptFiles:
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
            self.prompt_editor.setPlainText(text)
            self.prompt_path = path
            self.recent_menu.add(path)
            self.setWindowTitle(f"CodeSynth Studio — {Path(path).name}")

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
        from core.problems import load_problems

        try:
            problems = load_problems()
        except (OSError, ValueError) as exc:
            self.message.error(f"Cannot read HumanEval: {exc}")
            return
        dialog = ProblemBrowser(problems, self)
        if dialog.exec():
            self.load_problem(dialog.selected())

    def load_problem(self, problem: dict | None) -> None:
        if problem is None:
            return
        self.prompt_editor.setPlainText(problem["prompt"])
        self.tests_editor.setPlainText(problem["test"])
        self.prompt_path = None
        self.setWindowTitle(f"CodeSynth Studio — {problem['task_id']}")
        if entry_point(problem["prompt"]) != problem["entry_point"]:
            self.message.info(f"Tests call {problem['entry_point']}, but the prompt ends with another function.")

