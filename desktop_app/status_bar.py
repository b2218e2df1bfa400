"""Machine load (CPU, RAM, GPU), generation speed and the sandbox's active isolation layers."""

from __future__ import annotations

from collections.abc import Callable

import psutil
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from sandbox.layers import plain_report

LAYER_NAMES = {"namespaces": "namespaces", "landlock": "Landlock", "seccomp": "seccomp", "rlimits": "rlimits"}


def layers_text(layers: dict) -> str:
    active = [name for key, name in LAYER_NAMES.items() if layers.get(key)]
    if layers.get("unsafe"):
        return "sandbox: UNISOLATED"
    return "sandbox: " + (" + ".join(active) if active else "none")


class StatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.cpu, self.ram, self.gpu, self.speed, self.sandbox = (QLabel(self) for _ in range(5))
        for label in (self.cpu, self.ram, self.gpu, self.speed, self.sandbox):
            self.addPermanentWidget(label)
        self.gpu.hide()
        self.sandbox.setText("sandbox: starting…")
        self.engine_pid: int | None = None
        self.tokens_per_s: Callable[[], float | None] = lambda: None  # set by the window to read the current run
        psutil.cpu_percent(None)  # primes the counter: the first reading is always 0
        self._timer = QTimer(self, interval=1000, timeout=self.refresh)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self._timer.start()
        self.refresh()

    def _rss(self) -> int:
        total = psutil.Process().memory_info().rss
        if self.engine_pid:
            try:
                total += psutil.Process(self.engine_pid).memory_info().rss
            except psutil.Error:
                pass
        return total

    def refresh(self) -> None:
        memory = psutil.virtual_memory()
        self.cpu.setText(f"CPU {psutil.cpu_percent(None):.0f}%")
        self.ram.setText(
            f"RAM {memory.used / 2**30:.1f}/{memory.total / 2**30:.1f} GiB (app {self._rss() / 2**20:.0f} MiB)"
        )
        speed = self.tokens_per_s()
        self.speed.setText(f"{speed:.0f} tok/s" if speed is not None else "")

    def show_gpu(self, stats) -> None:
        """`stats`: core.host.protocol.DeviceStats, sent while a GPU generates."""
        self.gpu.setVisible(True)
        util = f", {stats.utilisation}% busy" if stats.utilisation is not None else ""
        self.gpu.setText(f"GPU {stats.used_bytes / 2**30:.1f}/{stats.total_bytes / 2**30:.1f} GiB{util}")

    def show_sandbox(self, layers: dict | None, error: str | None = None) -> None:
        self.sandbox.setText(layers_text(layers) if layers is not None else "sandbox: unavailable")
        self.sandbox.setToolTip(
            plain_report(layers)
            if layers is not None
            else f"The sandbox cannot run here, so candidates are not tested. {error or ''}".rstrip()
        )
