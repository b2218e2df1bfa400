"""`codesynth-studio`: starts the desktop app. torch is never imported here: the model lives in
the engine process, started once the window is up."""

from __future__ import annotations

import argparse
import sys
import time

APP_NAME, ORG_NAME = "CodeSynth Studio", "CodeSynth"
DESKTOP_FILE = "codesynth-studio"  # the installer's desktop entry (installer/install.sh)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="codesynth-studio", description="Desktop code synthesis workbench.")
    parser.add_argument("--model", help="model to load at start: 'default', a Hugging Face folder or a .gguf file")
    parser.add_argument("--color-scheme", choices=("auto", "light", "dark"), default="auto")
    parser.add_argument(
        "--exit-when-shown",
        action="store_true",
        help="print the milliseconds until the window was shown, then quit (for benchmarks)",
    )
    return parser.parse_args(argv)


def configure(app, color_scheme: str = "auto") -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon

    from core.modes.example_library import RESOURCES
    from desktop_app import pyside_refcount_fix, theme

    pyside_refcount_fix.install()
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    # Started from a terminal too, the window has the app's icon, and desktops that match
    # windows to their entry (Wayland) find the installed one.
    app.setDesktopFileName(DESKTOP_FILE)
    icon = QIcon()
    for png in sorted((RESOURCES / "icons").glob("codesynth-*.png")):  # 16 to 512 px
        icon.addFile(str(png))
    app.setWindowIcon(icon)
    app.setStyle("Fusion")  # renders the same, light or dark, on every desktop
    # The command line wins; else what View > Dark mode last chose; else the desktop's scheme.
    chosen = color_scheme if color_scheme != "auto" else str(QSettings().value(theme.SCHEME_KEY, "auto"))
    theme.apply_scheme(app, chosen)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    configure(app, args.color_scheme)
    window = MainWindow(model_spec=args.model)
    window.show()
    if args.exit_when_shown:

        def report() -> None:
            print(f"shown_ms={(time.perf_counter() - started) * 1000:.0f}", flush=True)
            window.close()

        QTimer.singleShot(0, report)
    code = app.exec()
    # Workers still starting the sandbox or reading the engine's pipe end on their own once the
    # window has closed both; wait for them so none runs while the interpreter shuts down.
    QThreadPool.globalInstance().waitForDone(60_000)
    return code


if __name__ == "__main__":
    sys.exit(main())
