"""Sampling controls, the paper's presets, and their conversion to `SamplingParams`."""

from __future__ import annotations

import codecs

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from core.sampling.params import CODEX_STOPS, DEFAULT_MAX_NEW_TOKENS, MAX_SAMPLES, InvalidParams, SamplingParams
from desktop_app import theme
from desktop_app.count_box import CountBox, with_note

# Before this machine has measured a run. SmolLM2-135M wrote 145-172 tokens/s in batches of 20 on
# the 2-core reference machine (BENCHMARKS.md); the default model is about four times larger, and
# a loaded machine is slower still: a cautious round figure, replaced by the first measured run.
ROUGH_TOKENS_PER_S = 25.0
# The Codex paper's best temperatures: 0.2 for pass@1 and 0.8 for pass@100 (Figure 5), nucleus p=0.95.
PRESETS = {
    "pass@1 (T=0.2)": {"temperature": 0.2, "top_p": 0.95, "n": 20},
    "pass@100 (T=0.8)": {"temperature": 0.8, "top_p": 0.95, "n": 200},
}
MODES = {"auto": "auto (instruct if the model has a chat template)", "completion": "completion", "instruct": "instruct"}


def _escape(stop: str) -> str:
    return stop.encode("unicode_escape").decode("ascii")


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


def estimate_text(n: int, max_new_tokens: int, tokens_per_s: float | None) -> str:
    """How long generating may take, from this machine's last measured speed or a rough figure."""
    tokens = n * max_new_tokens
    rate, source = (tokens_per_s, "at the last run's speed") if tokens_per_s else (ROUGH_TOKENS_PER_S, "a rough guess")
    return f"Up to {tokens:,} tokens: at most about {duration_text(tokens / rate)} ({source}, {rate:.0f} tokens/s)."


class ControlsPanel(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.samples = CountBox(1, MAX_SAMPLES, 10, "the engine takes no more samples in one run", self)
        self.tokens_per_s = lambda: None  # set by the window: the speed last measured, if any
        self.temperature = QLabeledDoubleSlider(Qt.Orientation.Horizontal, self)
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setDecimals(2)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.8)
        # The labeled slider grows in height by default, which spreads the form apart.
        self.temperature.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.top_p = QDoubleSpinBox(self, minimum=0.01, maximum=1.0, singleStep=0.05, decimals=2, value=0.95)
        self.top_k = QSpinBox(self, minimum=0, maximum=10000, value=0, specialValueText="off")
        self.max_new_tokens = QSpinBox(self, minimum=1, maximum=4096, value=DEFAULT_MAX_NEW_TOKENS)
        self.seed = QSpinBox(self, minimum=0, maximum=2**31 - 1, value=0)
        self.random_seed = QCheckBox("random", self)
        self.random_seed.toggled.connect(lambda on: self.seed.setEnabled(not on))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        self.stops = QPlainTextEdit("\n".join(_escape(s) for s in CODEX_STOPS), self)
        self.stops.setToolTip("One stop sequence per line; write a newline as \\n.")
        self.stops.setFixedHeight(self.fontMetrics().height() * 6)
        self.mode = QComboBox(self)
        for key, label in MODES.items():
            self.mode.addItem(label, key)
        self.preset = QComboBox(self)
        for combo in (self.mode, self.preset):  # long item texts must not widen the dock
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.estimate = QLabel(self, wordWrap=True)
        self.estimate.setStyleSheet(f"color: {theme.QUEUED}")
        self.estimate.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.preset.addItem("custom")
        self.preset.addItems(list(PRESETS))
        self.preset.activated.connect(lambda _i: self.apply_preset(self.preset.currentText()))

        form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch()  # rows stay together at the top of a tall dock
        form.addRow("Preset", self.preset)
        form.addRow("Samples (n)", with_note(self.samples, self))
        form.addRow(self.estimate)
        form.addRow("Temperature", self.temperature)
        form.addRow("top_p", self.top_p)
        form.addRow("top_k", self.top_k)
        form.addRow("Max new tokens", self.max_new_tokens)
        form.addRow("Seed", seed_row)
        form.addRow("Stop sequences", self.stops)
        form.addRow("Mode", self.mode)
        for widget in (self.samples, self.top_p, self.top_k, self.max_new_tokens, self.seed):
            widget.valueChanged.connect(self._edited)
        self.temperature.valueChanged.connect(self._edited)
        self.samples.valueChanged.connect(self.show_estimate)
        self.max_new_tokens.valueChanged.connect(self.show_estimate)
        self.show_estimate()

    def show_estimate(self) -> None:
        self.estimate.setText(estimate_text(self.samples.value(), self.max_new_tokens.value(), self.tokens_per_s()))

    def _edited(self, *_args) -> None:
        self.preset.setCurrentIndex(0)
        self.changed.emit()

    def apply_preset(self, name: str) -> None:
        values = PRESETS.get(name)
        if values is None:
            return
        self.samples.setValue(values["n"])
        self.temperature.setValue(values["temperature"])
        self.top_p.setValue(values["top_p"])
        self.preset.setCurrentText(name)

    def stop_sequences(self) -> tuple[str, ...]:
        lines = [line for line in self.stops.toPlainText().splitlines() if line.strip()]
        try:
            return tuple(codecs.decode(line, "unicode_escape") for line in lines)
        except UnicodeDecodeError as exc:
            raise InvalidParams(f"a stop sequence has a bad escape ({exc.reason})") from None

    def params(self) -> SamplingParams:
        """The current values, validated; raises InvalidParams with a plain message."""
        return SamplingParams(
            n=self.samples.value(),
            temperature=round(self.temperature.value(), 4),
            top_p=self.top_p.value(),
            top_k=self.top_k.value(),
            max_new_tokens=self.max_new_tokens.value(),
            seed=None if self.random_seed.isChecked() else self.seed.value(),
            stop=self.stop_sequences(),
            mode=self.mode.currentData(),
        ).validated()

    def set_params(self, values: dict) -> None:
        """Shows saved parameters (a SamplingParams as a dict, from a session)."""
        for name, key in (("samples", "n"), ("top_k", "top_k"), ("max_new_tokens", "max_new_tokens")):
            if values.get(key) is not None:
                getattr(self, name).setValue(int(values[key]))
        for name in ("top_p", "temperature"):
            if values.get(name) is not None:
                getattr(self, name).setValue(float(values[name]))
        self.random_seed.setChecked(values.get("seed") is None)
        if values.get("seed") is not None:
            self.seed.setValue(int(values["seed"]))
        if values.get("stop") is not None:
            self.stops.setPlainText("\n".join(_escape(stop) for stop in values["stop"]))
        self.mode.setCurrentIndex(max(0, self.mode.findData(values.get("mode", "auto"))))

    # -- persistence ---------------------------------------------------------------------------

    def save(self, settings) -> None:
        settings.beginGroup("params")
        for name in ("samples", "top_p", "top_k", "max_new_tokens", "seed"):
            settings.setValue(name, getattr(self, name).value())
        settings.setValue("temperature", self.temperature.value())
        settings.setValue("random_seed", self.random_seed.isChecked())
        settings.setValue("stops", self.stops.toPlainText())
        settings.setValue("mode", self.mode.currentData())
        settings.endGroup()

    def restore(self, settings) -> None:
        settings.beginGroup("params")
        for name in ("samples", "top_k", "max_new_tokens", "seed"):
            if settings.contains(name):
                getattr(self, name).setValue(int(settings.value(name)))
        for name in ("top_p", "temperature"):
            if settings.contains(name):
                getattr(self, name).setValue(float(settings.value(name)))
        self.random_seed.setChecked(settings.value("random_seed", False, type=bool))
        if settings.contains("stops"):
            self.stops.setPlainText(str(settings.value("stops")))
        index = self.mode.findData(settings.value("mode", "auto"))
        self.mode.setCurrentIndex(max(0, index))
        self.preset.setCurrentIndex(0)
        settings.endGroup()
