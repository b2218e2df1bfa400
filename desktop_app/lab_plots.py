"""The Sampling lab's 2 x 2 grid of figures. The engine process draws them as PNGs; here they are
only decoded (when they change, each at its own turn of the event loop) and scaled from the
original at each resize, so they stay sharp. Each one opens on its own, maximised or full screen, for a talk."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import theme
from desktop_app.turns import turns


class PlotImage(QLabel):
    enlarge_requested = Signal()

    def __init__(self, placeholder: str, parent=None):
        super().__init__(parent)
        self.placeholder = placeholder
        self.png = b""
        self._original = QPixmap()
        self._stale = False  # png changed and not decoded yet
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {theme.QUEUED}")
        # The pixmap follows the cell's size; it must not make the cell grow.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(160, 120)
        self.setText(placeholder)
        self.enlarge_button = QToolButton(self, text="⤢", autoRaise=True)  # type: ignore[call-arg]  # PySide6 stubs lack signal and inherited-property keywords
        self.enlarge_button.setToolTip("Enlarge this plot (or double-click it)")
        self.enlarge_button.clicked.connect(self.enlarge_requested)
        self.enlarge_button.hide()

    def set_png(self, png: bytes) -> None:
        """Shows `png` (b"": the placeholder) at its turn of the event loop: decoding and scaling
        one takes about 10 ms, and a sweep update changes all four."""
        if png == self.png:
            return
        self.png = png
        self.enlarge_button.setVisible(bool(png))
        self._stale = True
        if self.isVisible():
            turns().add(self, self._decode)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # A plot changed while its tab was hidden (the lab's last figures when Compare comes to
        # the front) is decoded when it is seen, not in the turns the front tab needs.
        if self._stale:
            turns().add(self, self._decode)

    def _decode(self) -> None:
        self._original = QPixmap()
        if self.png:
            self._original.loadFromData(self.png, "PNG")
        self._stale = False
        try:
            self._rescale()
        except RuntimeError:  # closed (its C++ side deleted) before its turn came: nothing to show
            pass

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.enlarge_button.move(self.width() - self.enlarge_button.sizeHint().width() - 2, 2)
        self._rescale()

    def mouseDoubleClickEvent(self, event) -> None:
        if self.png:
            self.enlarge_requested.emit()

    def _rescale(self) -> None:
        self.enlarge_button.setVisible(bool(self.png))
        if self._original.isNull():
            self.setText(self.placeholder)
            return
        ratio = self.devicePixelRatioF()
        scaled = self._original.scaled(
            self.size() * ratio, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        scaled.setDevicePixelRatio(ratio)
        self.setPixmap(scaled)


class PlotViewer(QDialog):
    """One plot as large as the screen allows: maximised, or full screen with F11; Esc closes."""

    def __init__(self, name: str, title: str, png: bytes, parent=None):
        """`name`: the plot's key in LabPlots.images."""
        super().__init__(parent)
        self.name = name
        self.setWindowTitle(title)
        self.image = PlotImage("", self)
        self.image.enlarge_button.setEnabled(False)
        self.image.set_png(png)
        self.full_screen_button = QPushButton("Full screen (F11)", self, checkable=True)  # type: ignore[call-overload]  # PySide6 stubs lack signal and inherited-property keywords
        self.full_screen_button.toggled.connect(self.set_full_screen)
        QShortcut(QKeySequence("F11"), self, self.full_screen_button.toggle)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.full_screen_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(buttons)

    def set_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showMaximized()


class PlotGrid(QWidget):
    def __init__(self, placeholders: Mapping[str, str], parent=None):
        """`placeholders` maps each figure's name, in grid order, to the text shown until it is drawn."""
        super().__init__(parent)
        self.images = {name: PlotImage(text, self) for name, text in placeholders.items()}
        self.viewer: PlotViewer | None = None
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, (name, image) in enumerate(self.images.items()):
            layout.addWidget(image, i // 2, i % 2)
            image.enlarge_requested.connect(lambda n=name: self.enlarge(n))

    def enlarge(self, name: str) -> PlotViewer:
        """Opens plot `name` in its own maximised window (not modal: the sweep goes on updating)."""
        if self.viewer is not None:
            self.viewer.close()
        title = self.images[name].placeholder.split(":")[0]  # "pass@k against k, per temperature"
        self.viewer = PlotViewer(name, title, self.images[name].png, self)
        self.viewer.showMaximized()
        return self.viewer

    def set_pngs(self, pngs: Mapping[str, bytes]) -> None:
        for name, image in self.images.items():
            image.set_png(pngs.get(name, b""))
        if self.viewer is not None and self.viewer.isVisible() and pngs.get(self.viewer.name):
            self.viewer.image.set_png(pngs[self.viewer.name])  # an enlarged plot follows the sweep too

    def pngs(self) -> dict[str, bytes]:
        return {name: image.png for name, image in self.images.items() if image.png}
