"""The main window's model: loading what the model bar or the server dialog asks for, and what a
load's end (loaded, failed, stopped) shows; From examples may ask for a larger model and runs again
once it has loaded."""

from __future__ import annotations

from core.models.spec import is_server_url
from desktop_app.server_dialog import ServerDialog
from desktop_app.window_mixin import WindowMixin


class ModelLoading(WindowMixin):
    def _connect_loading(self) -> None:
        engine, bar = self.controller.engine, self.model_bar
        engine.progress.connect(bar.show_loading)
        engine.loaded.connect(self._on_loaded)
        engine.load_failed.connect(self._on_load_failed)
        engine.load_stopped.connect(self._on_load_stopped)
        bar.load_requested.connect(self.load_model)
        bar.server_requested.connect(self.choose_server)
        bar.cancel_requested.connect(self.controller.stop)
        self.examples_tab.larger_requested.connect(self.run_examples_on)

    def load_model(self, spec: str, served_model: str | None = None) -> None:
        served_model = served_model or self.model_bar.served_model(spec)
        if self.controller.load(spec, served_model):
            self._loading = spec
            self.model_bar.set_spec(spec, served_model)
            self.model_bar.show_loading(f"Loading {spec}…")

    def run_examples_on(self, spec: str) -> None:
        """Loads `spec` as the model bar does (a model too large for this machine's memory is refused
        there), installing it first where need be; From examples runs again once it has loaded."""
        self._loading = None
        self.model_bar.set_spec(spec)
        self.model_bar.request_load()
        self._examples_after_load = self._loading == spec

    def choose_server(self) -> ServerDialog:
        """Opens the server dialog (non-modal, so tests and the window stay live); Connect loads."""
        spec = self.model_bar.spec()
        url = spec if is_server_url(spec) else ""
        dialog = ServerDialog(self.controller.engine, url, self.model_bar.served_model(url) or "", self)
        dialog.accepted.connect(lambda: self.load_model(*dialog.values()))
        dialog.open()
        return dialog

    def _on_loaded(self, info) -> None:
        self.model_bar.show_loaded(info)
        self.status.engine_pid = self.controller.engine.pid
        self.examples_tab.set_model(self._loading or "")
        if self._examples_after_load:
            self._examples_after_load = False
            self.examples_tab.run()

    def _on_load_failed(self, message: str) -> None:
        self._examples_after_load = False
        self.model_bar.show_failed(message)
        self.message.error(f"The model could not be loaded: {message}")
        if self.controller.engine.info is not None:
            self.model_bar.show_loaded(self.controller.engine.info)

    def _on_load_stopped(self) -> None:
        self._examples_after_load = False
        message = (
            "Model load stopped. No model is loaded: choose one and press Load (Ctrl+L); "
            "a cancelled install resumes where it stopped."
        )
        self.model_bar.show_failed(message)
        self.message.info(message)
