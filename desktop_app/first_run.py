"""The first launch: a welcome while the default model sets itself up (its progress shows in the
model bar), the sandbox's protections in plain words, and a three-step guided tour that can be
replayed from the Help menu."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings

from core.models import catalogue
from core.models import store as model_store
from sandbox.layers import plain_report

DONE_KEY = "first_run/done"


class FirstRun(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._waiting_for_run = False

    @property
    def message(self):
        return self.window.message

    def start(self) -> None:
        """Called once the window is up; does something only on the very first launch."""
        settings = QSettings()
        if settings.value(DONE_KEY, False, type=bool):
            return
        settings.setValue(DONE_KEY, True)
        engine = self.window.controller.engine
        engine.sandbox_ready.connect(self._report_sandbox)
        engine.sandbox_unavailable.connect(self._report_sandbox_missing)
        self.window.controller.engine.loaded.connect(self._welcome_again)
        self._welcome()

    def _welcome(self) -> None:
        engine, spec = self.window.controller.engine, self.window.start_spec or self.window.model_bar.spec()
        if engine.info is not None:
            model = f"The model, {engine.info.name}, is loaded and ready."
        elif spec == "default" and not model_store.is_installed(model_store.default_model_dir()):
            model = (
                f"The default model, {catalogue.entry('default').title}, is being set up (a one-time download "
                "and conversion): its progress shows in the model bar."
            )
        else:
            model = "The model is loading: its progress shows in the model bar."
        sandbox = f" {self.window.sandbox_report}" if self.window.sandbox_report else ""
        self.message.offer(
            f"Welcome to CodeSynth Studio. {model}{sandbox} A three-step tour shows how to generate "
            "and test a function.",
            "Start the tour",
            self.tour,
        )

    def _welcome_again(self, _info) -> None:
        """Set-up finished while the welcome is still up: it must not go on saying "being set up"."""
        self.window.controller.engine.loaded.disconnect(self._welcome_again)
        if self.message.text().startswith("Welcome"):
            self._welcome()

    def _report_sandbox(self, layers: dict) -> None:
        # Said in the welcome, which wraps; the status bar would cut it off.
        self.window.sandbox_report = plain_report(layers)
        if self.message.text().startswith("Welcome"):
            self._welcome()

    def _report_sandbox_missing(self, why: str) -> None:
        self.message.error(f"The sandbox cannot run here, so candidates will not be tested. {why}")

    # -- the tour --------------------------------------------------------------------------------

    def tour(self) -> None:
        self.message.offer(
            "Tour 1/3: a prompt is a function signature with a docstring, and tests check the "
            "function. Load an example to see both.",
            "Load an example",
            self._load_example,
        )

    def _load_example(self) -> None:
        self.window.load_example(self.window.examples_menu.entries[0])
        self.message.offer(
            "Tour 2/3: press Generate (Ctrl+Enter). The model writes several candidates; each one is "
            "tested in the sandbox as soon as it is written.",
            "Generate",
            self._generate,
        )

    def _generate(self) -> None:
        engine = self.window.controller.engine
        if engine.info is None:  # the model is still being set up: generate once it is ready
            self.message.info("Tour 2/3: the model is still loading; the tour generates as soon as it is ready.")
            engine.loaded.connect(self._generate_when_loaded)
            return
        self._waiting_for_run = True
        self.window.controller.run_finished.connect(self._explain)
        self.window.generate()

    def _generate_when_loaded(self, _info) -> None:
        self.window.controller.engine.loaded.disconnect(self._generate_when_loaded)
        self._generate()

    def _explain(self) -> None:
        self.window.controller.run_finished.disconnect(self._explain)
        self.message.offer(
            "Tour 3/3: candidates are ranked by mean token log-probability, as in the Codex paper. "
            "Green badges passed every test. Select a row to see the code coloured by how sure the "
            "model was of each token, and the failing assertion if any; the line above the table "
            "gives pass@k.",
            "Finish",
            lambda: None,
        )
