"""The Demo menu: record what the presenter does into a demo script, save it, open one and play it
a step at a time (Space, → or Page Down, the keys a presenter's clicker sends), with the step to
come shown in the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu

from core.storage import demo_script as ds
from desktop_app.demo_player import DemoPlayer
from desktop_app.demo_recorder import DemoRecorder

if TYPE_CHECKING:
    from desktop_app.main_window import MainWindow

FILTER = "Demo scripts (*.json);;All files (*)"
NEXT_KEYS = ("Space", "Right", "PgDown")


class DemoMenu:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.recorder = DemoRecorder(window)
        self.player = DemoPlayer(window)
        self.step_label = QLabel(window.status)
        self.step_label.setStyleSheet("font-weight: bold")
        self.step_label.hide()
        window.status.insertPermanentWidget(0, self.step_label, 1)
        self.record_action = self._action(
            "&Record demo script",
            "Ctrl+Shift+R",
            self.set_recording,
            "Record every run, branch, token, temperature, pin and tab from now on",
        )
        self.record_action.setCheckable(True)
        self.save_action = self._action("&Save demo script…", "Ctrl+Alt+R", lambda: self.save_script())
        self.open_action = self._action("&Open and play demo script…", "Ctrl+Alt+O", lambda: self.open_script())
        self.next_action = self._action("&Next demo step", list(NEXT_KEYS), self.player.advance)
        self.stop_action = self._action("Stop &playing the demo", "Ctrl+Alt+X", self.player.stop)
        bar = window.menuBar()
        menu = QMenu("&Demo", bar)
        bar.insertMenu(bar.actions()[-1], menu)  # before Help
        menu.addActions([self.record_action, self.save_action])
        menu.addSeparator()
        menu.addActions([self.open_action, self.next_action, self.stop_action])
        self.recorder.changed.connect(self._refresh)
        self.player.changed.connect(self._refresh)
        self._refresh()

    def _action(self, text: str, keys, slot, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(k) for k in (keys if isinstance(keys, list) else [keys])])
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')} ({action.shortcut().toString()})")
        action.triggered.connect(
            lambda _checked=False: slot() if not action.isCheckable() else slot(action.isChecked())
        )
        self.window.addAction(action)  # its keys work in presentation mode, with the menu bar's menus unopened
        return action

    def set_recording(self, on: bool) -> None:
        if on:
            self.player.stop()  # a script plays or records, not both: the played steps would be recorded
            self.recorder.start()
            self.window.message.info(
                "Recording a demo script: generate with a fixed seed, then Demo > Save demo script…"
            )
        else:
            self.recorder.stop()

    def save_script(self, path: str | None = None) -> bool:
        if not self.recorder.steps:
            self.window.message.error(
                "There is no demo script to save: choose Demo > Record demo script, then "
                "generate, branch or show tokens."
            )
            return False
        path = path or QFileDialog.getSaveFileName(self.window, "Save demo script", "demo.json", FILTER)[0]
        if not path:
            return False
        try:
            ds.save(path, self.recorder.steps)
        except ds.DemoScriptError as exc:
            self.window.message.error(str(exc))
            return False
        self.window.message.info(f"Saved the demo script ({len(self.recorder.steps)} steps) to {path}.")
        return True

    def open_script(self, path: str | None = None) -> bool:
        """Reads the script and makes it the one Space plays; a file that is no script is refused
        with a message and whatever played before is kept."""
        path = path or QFileDialog.getOpenFileName(self.window, "Open demo script", "", FILTER)[0]
        if not path:
            return False
        try:
            script = ds.load(path)
        except ds.DemoScriptError as exc:
            self.window.message.error(str(exc))
            return False
        if not script.steps:
            self.window.message.error(f"The demo script {path} has no step that can play. {' '.join(script.problems)}")
            return False
        self.record_action.setChecked(False)
        self.recorder.stop()
        self.player.play(script)
        if script.problems:
            more = f" ({len(script.problems) - 1} more left out)" if len(script.problems) > 1 else ""
            self.window.message.error(f"{script.problems[0]}{more} The other {len(script.steps)} steps play.")
        return True

    def _refresh(self) -> None:
        playing, recording = self.player.playing, self.recorder.recording
        # Only while a step can play: otherwise Space and the arrows are the focused widget's again.
        self.next_action.setEnabled(self.player.can_advance())
        self.stop_action.setEnabled(playing)
        self.save_action.setEnabled(bool(self.recorder.steps))
        text = (
            self.player.step_text()
            if playing
            else (f"● Recording demo script: {len(self.recorder.steps)} steps" if recording else "")
        )
        self.step_label.setText(text)
        self.step_label.setVisible(bool(text))
