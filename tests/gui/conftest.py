"""The real window on the tiny test model and the real sandbox, offscreen, with settings in a
temporary folder so no test sees another's or the user's."""
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def qapp_args():
    return ["codesynth-studio-tests"]


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory, qapp):
    from PySide6.QtCore import QSettings

    from desktop_app.app import configure

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("settings")))
    configure(qapp)


def open_window(qtbot, spec: str, timeout_s: float = 120):
    """A shown window with `spec` loaded (or its load finished, failed or not)."""
    from desktop_app.main_window import MainWindow

    window = MainWindow(model_spec=spec)
    window.show()
    qtbot.waitUntil(lambda: window.controller.engine.state == "idle" and window.controller.sandbox.pool is not None,
                    timeout=int(timeout_s * 1000))
    return window


def generate_and_wait(qtbot, window, timeout_s: float = 120):
    finished = []
    window.controller.run_finished.connect(lambda: finished.append(True))
    window.generate()
    qtbot.waitUntil(lambda: bool(finished), timeout=int(timeout_s * 1000))


@pytest.fixture(scope="session")
def tiny_window(tiny_model_dir, qapp):
    """One window shared by the tests: its engine process takes seconds to import torch."""
    from pytestqt.qtbot import QtBot

    window = open_window(QtBot(None), str(tiny_model_dir))
    assert window.controller.engine.info is not None, window.model_bar.status.text()
    yield window
    window.close()
