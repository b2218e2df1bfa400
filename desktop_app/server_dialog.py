"""The model bar's "Server URL…" choice: an OpenAI-compatible server (vLLM, llama.cpp), its served
model, an optional API key kept only in the OS keyring, and a connection test."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from core.displayable import displayable
from core.models.spec import is_server_url
from core.remote.secrets import ENV_VAR, KeyringUnavailable, store_api_key
from desktop_app import theme
from desktop_app.engine_client import IDLE


class ServerDialog(QDialog):
    def __init__(self, engine, url: str = "", served_model: str = "", parent=None):
        """`engine` is the EngineClient: the test runs in the engine process."""
        super().__init__(parent)
        self.setWindowTitle("Connect to a server")
        self.engine = engine
        self.url = QLineEdit(url or "http://127.0.0.1:8000/v1", self)
        self.served_model = QLineEdit(served_model, self, placeholderText="the server's only model")
        self.key = QLineEdit(self, placeholderText=f"none, or set {ENV_VAR}")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setToolTip("Kept in the system keyring, never in settings, sessions or exports.")
        self.test_button = QPushButton("Test connection", self)
        # A server's own error text: plain text, never HTML (desktop_app.plain_text).
        self.result_label = QLabel(self, wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy an error
        self.setMinimumWidth(480)
        form = QFormLayout()
        form.addRow("Server URL", self.url)
        form.addRow("Served model", self.served_model)
        form.addRow("API key", self.key)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        self.test_button.clicked.connect(self.test)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        engine.probe_result.connect(self._show_result)

    def values(self) -> tuple[str, str | None]:
        return self.url.text().strip(), self.served_model.text().strip() or None

    def _save_key(self) -> bool:
        key = self.key.text().strip()
        if not key:
            return True
        try:
            store_api_key(self.url.text().strip(), key)
        except KeyringUnavailable as exc:
            self._show_result(False, str(exc))
            return False
        return True

    def _has_address(self) -> bool:
        if is_server_url(self.values()[0]):
            return True
        self._show_result(False, "Write the server's address, e.g. http://127.0.0.1:8000/v1.")
        return False

    def test(self) -> None:
        url, served = self.values()
        if not self._has_address():
            return
        if self.engine.state != IDLE:
            self._show_result(False, f"The model is busy {self.engine.state}: try when it is idle.")
            return
        if not self._save_key():
            return
        self.test_button.setEnabled(False)
        self.result_label.setStyleSheet("")
        self._say(f"Connecting to {url}…")
        self.engine.probe(url, served)

    def _show_result(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self.result_label.setStyleSheet(f"color: {theme.PASS if ok else theme.FAIL}")
        self._say(message)

    def _say(self, text: str) -> None:
        """Shows `text` whole: the dialog grows to fit the wrapped lines (it kept its first height,
        which cut a long error off)."""
        self.result_label.setText(displayable(text))  # a server's own words
        label = self.result_label
        label.setMinimumHeight(label.heightForWidth(max(label.width(), self.minimumWidth() - 40)))
        self.adjustSize()

    def _accept(self) -> None:
        if self._has_address() and self._save_key():
            self.accept()

    def done(self, result: int) -> None:
        self.engine.probe_result.disconnect(self._show_result)
        super().done(result)
