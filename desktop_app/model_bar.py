"""Choosing the model (default, local folder, GGUF file, or an OpenAI-compatible server), its load
progress, and what it runs on."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop_app import theme

DEFAULT = "default"
FOLDER, GGUF, SERVER = "<folder>", "<gguf>", "<server>"
MAX_RECENT = 8


class ModelBar(QWidget):
    load_requested = Signal(str)
    server_requested = Signal()  # the window opens the ServerDialog, which needs the engine

    def __init__(self, parent=None):
        super().__init__(parent)
        self.choice = QComboBox(self)
        self.choice.setMinimumContentsLength(28)
        self.load_button = QPushButton("Load", self)
        self.load_button.setToolTip("Load the chosen model (Ctrl+L)")
        self.progress = QProgressBar(self, maximum=0, textVisible=False)
        self.progress.setFixedWidth(120)
        self.progress.hide()
        self.status = QLabel("No model loaded", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Model:", self))
        layout.addWidget(self.choice)
        layout.addWidget(self.load_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status, 1)
        self._recent: list[str] = []
        self.served_models: dict[str, str] = {}  # server URL -> served model name
        self._fill()
        self.load_button.clicked.connect(self.request_load)
        self.choice.activated.connect(self._chosen)

    def _fill(self, current: str = DEFAULT) -> None:
        self.choice.clear()
        self.choice.addItem("Default model (SmolLM2-135M-Instruct)", DEFAULT)
        for path in self._recent:
            self.choice.addItem(path, path)
        self.choice.addItem("Local folder…", FOLDER)
        self.choice.addItem("GGUF file…", GGUF)
        self.choice.addItem("Server URL…", SERVER)
        self.choice.setCurrentIndex(max(0, self.choice.findData(current)))

    def set_spec(self, spec: str, served_model: str | None = None) -> None:
        if spec != DEFAULT and spec not in self._recent:
            self._recent = [spec, *self._recent][:MAX_RECENT]
        if served_model:
            self.served_models[spec] = served_model
        self._fill(spec)

    def served_model(self, spec: str) -> str | None:
        return self.served_models.get(spec)

    def spec(self) -> str:
        return self.choice.currentData()

    def _chosen(self, _index: int) -> None:
        self.choose(self.choice.currentData())

    def choose(self, kind: str) -> None:
        """Asks for a folder or GGUF file and loads it; other choices need no dialog."""
        if kind == FOLDER:
            path = QFileDialog.getExistingDirectory(self, "Hugging Face model folder")
        elif kind == GGUF:
            path, _ = QFileDialog.getOpenFileName(self, "GGUF model file", "", "GGUF files (*.gguf)")
        elif kind == SERVER:
            self._fill(self._recent[0] if self._recent else DEFAULT)
            self.server_requested.emit()
            return
        else:
            return
        if path:
            self.set_spec(path)
            self.request_load()
        else:
            self._fill(self._recent[0] if self._recent else DEFAULT)

    def request_load(self) -> None:
        self.load_requested.emit(self.spec())

    # -- state shown -----------------------------------------------------------------------------

    def show_loading(self, message: str) -> None:
        self.progress.show()
        self.load_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(message)

    def show_loaded(self, info) -> None:
        self.progress.hide()
        self.load_button.setEnabled(True)
        self.status.setStyleSheet("")
        self.status.setText(f"{info.name} · {info.device} · {info.dtype} · {info.memory_bytes / 2**20:.0f} MiB")
        self.status.setToolTip(info.describe())

    def show_failed(self, message: str) -> None:
        self.progress.hide()
        self.load_button.setEnabled(True)
        self.status.setStyleSheet(f"color: {theme.FAIL}")
        self.status.setText(message)
        self.status.setToolTip(message)

    def save(self, settings) -> None:
        settings.setValue("model/recent", self._recent)
        settings.setValue("model/spec", self.spec())
        settings.setValue("model/served_models", self.served_models)

    def restore(self, settings) -> None:
        self._recent = [str(p) for p in settings.value("model/recent", [], type=list)][:MAX_RECENT]
        self.served_models = dict(settings.value("model/served_models", {}) or {})
        self._fill(str(settings.value("model/spec", DEFAULT)))
