"""Render resources/icons/codesynth.svg to the PNG sizes desktops ask for (run after editing the SVG)."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def main() -> None:
    app = QGuiApplication([])  # noqa: F841  (QPainter needs an application)
    renderer = QSvgRenderer(str(ICONS / "codesynth.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"codesynth-{size}.png"))
        if size == 256:
            image.save(str(ICONS / "codesynth.ico"))  # Windows shortcuts take .ico, not PNG


if __name__ == "__main__":
    main()
