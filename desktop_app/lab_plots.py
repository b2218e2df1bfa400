"""The Sampling lab's 2 x 2 grid of figures. The engine process draws them as PNGs; here they are
only decoded (when they change) and scaled from the original at each resize, so they stay sharp."""
from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from desktop_app import theme


class PlotImage(QLabel):
    def __init__(self, placeholder: str, parent=None):
        super().__init__(parent)
        self.placeholder = placeholder
        self.png = b""
        self._original = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {theme.QUEUED}")
        # The pixmap follows the cell's size; it must not make the cell grow.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(160, 120)
        self.setText(placeholder)

    def set_png(self, png: bytes) -> None:
        if png == self.png:
            return
        self.png = png
        self._original = QPixmap()
        if png:
            self._original.loadFromData(png, "PNG")
        self._rescale()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._original.isNull():
            self.setText(self.placeholder)
            return
        ratio = self.devicePixelRatioF()
        scaled = self._original.scaled(self.size() * ratio, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self.setPixmap(scaled)


class PlotGrid(QWidget):
    def __init__(self, placeholders: Mapping[str, str], parent=None):
        """`placeholders` maps each figure's name, in grid order, to the text shown until it is drawn."""
        super().__init__(parent)
        self.images = {name: PlotImage(text, self) for name, text in placeholders.items()}
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, image in enumerate(self.images.values()):
            layout.addWidget(image, i // 2, i % 2)

    def set_pngs(self, pngs: Mapping[str, bytes]) -> None:
        for name, image in self.images.items():
            image.set_png(pngs.get(name, b""))

    def pngs(self) -> dict[str, bytes]:
        return {name: image.png for name, image in self.images.items() if image.png}
