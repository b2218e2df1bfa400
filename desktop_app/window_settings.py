"""What the main window remembers between launches, in QSettings: its geometry and docks, the
Workbench's splitters, the controls, the model bar, the ranking and the editors' drafts (saved a
second after each edit, so a kill loses at most that second)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from desktop_app import theme, workbench_layout
from desktop_app.code_editor import CodeEditor
from desktop_app.window_mixin import WindowMixin


class WindowSettings(WindowMixin):
    def _restore(self) -> None:
        s = QSettings()
        if s.contains("window/geometry"):
            self.restoreGeometry(s.value("window/geometry"))
            self.restoreState(s.value("window/state"))
        else:
            self.resize(1400, 900)
        for name, (splitter, defaults) in self._splitters.items():
            workbench_layout.restore(splitter, s.value(f"window/{name}"), defaults)
        self.controls.restore(s)
        self.model_bar.restore(s)
        self.prompt_editor.setPlainText(str(s.value("editors/prompt", "")))
        self.tests_editor.setPlainText(str(s.value("editors/tests", "")))
        self.set_ranking(str(s.value("ranking", "mean_logprob")))

    def _save_drafts(self) -> None:
        s = QSettings()
        s.setValue("editors/prompt", self.prompt_editor.toPlainText())
        s.setValue("editors/tests", self.tests_editor.text())
        s.sync()

    def _save(self) -> None:
        s = QSettings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        for name, (splitter, _defaults) in self._splitters.items():
            s.setValue(f"window/{name}", splitter.saveState())
        self.controls.save(s)
        self.model_bar.save(s)
        s.setValue("ranking", self.model.ranking)
        self._save_drafts()

    def set_dark(self, dark: bool) -> None:
        """View > Dark mode: the colours switch now and the choice is remembered."""
        scheme = "dark" if dark else "light"
        QSettings().setValue(theme.SCHEME_KEY, scheme)
        theme.apply_scheme(QApplication.instance(), scheme)
        for highlighter in [*(e.highlighter for e in self.findChildren(CodeEditor)), self.details.heat.highlighter]:
            highlighter.set_style(theme.pygments_style())
            highlighter.rehighlight()
