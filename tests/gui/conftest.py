"""The real window on the tiny test model and the real sandbox, offscreen, with settings in a
temporary folder so no test sees another's or the user's."""

import inspect
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# What opening the real window looks like in a test module's source.
_OPENS_A_WINDOW = ("tiny_window", "open_window(", "MainWindow(")


def pytest_collection_modifyitems(items):
    """A real window and its engine process take about 7 s to open, once per module: the tests
    that open one are `slow`, so the fast lane (`-m "not slow"`) leaves them to the full suite
    and to `pytest tests/gui`."""
    here = Path(__file__).parent
    opens: dict[str, bool] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is None or Path(item.path).parent != here:
            continue
        if module.__name__ not in opens:
            opens[module.__name__] = any(marker in inspect.getsource(module) for marker in _OPENS_A_WINDOW)
        if opens[module.__name__]:
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(autouse=True)
def isolated_sessions(tmp_path, monkeypatch):
    """Each test's windows keep their sessions in its own database."""
    from desktop_app import main_window

    path = tmp_path / "sessions.sqlite"
    monkeypatch.setattr(main_window, "sessions_path", lambda: path)
    return path


def open_window(qtbot, spec: str, timeout_s: float = 120):
    """A shown window with `spec` loaded (or its load finished, failed or not)."""
    from desktop_app.main_window import MainWindow

    window = MainWindow(model_spec=spec)
    window.show()
    qtbot.waitUntil(
        lambda: window.controller.engine.state == "idle" and window.controller.sandbox_layers is not None,
        timeout=int(timeout_s * 1000),
    )
    return window


def generate_and_wait(qtbot, window, timeout_s: float = 120):
    finished = []
    window.controller.run_finished.connect(lambda: finished.append(True))
    window.tabs.setCurrentWidget(window.splitter)
    window.generate()
    # Every test result in, and the background work that follows a run (the behaviour
    # examination, desktop_app.behaviour_ranker) ended too.
    qtbot.waitUntil(lambda: bool(finished) and window.controller.engine.state == "idle", timeout=int(timeout_s * 1000))


def generate_until_streaming(qtbot, window, deltas: int = 3) -> None:
    """Presses Generate and waits until the new run's rows hold more than `deltas` token events.
    The window's last ranking may have started the background examination: Generate then stops it
    first and starts only once it has ended, while the table still holds the last run's rows."""
    last_run = window.controller.run
    window.generate()
    qtbot.waitUntil(lambda: window.controller.run is not last_run, timeout=30_000)
    qtbot.waitUntil(lambda: any(e.deltas > deltas for e in window.model.entries), timeout=60_000)


@pytest.fixture(scope="module")
def tiny_window(tiny_model_dir, qapp, tmp_path_factory):
    """A fresh window for each test module, shared by its tests (its engine process takes seconds
    to import torch): no module sees what another left behind, and the tests of one module run
    in file order, each setting or checking the state it needs."""
    from pytestqt.qtbot import QtBot

    from desktop_app import main_window

    # Module fixtures are set up before the per-test `isolated_sessions`: patch for this one too.
    path = tmp_path_factory.mktemp("module_window") / "sessions.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(main_window, "sessions_path", lambda: path)
        window = open_window(QtBot(None), str(tiny_model_dir))
    assert window.controller.engine.info is not None, window.model_bar.status.text()
    yield window
    window.close()


def run_tab_and_wait(qtbot, window, tab, timeout_s: float = 180):
    """Presses Ctrl+Enter on `tab` and waits until its job has ended (done, failed or stopped)."""
    ended = []
    window.controller.engine.job_done.connect(lambda: ended.append("done"))
    window.controller.engine.job_failed.connect(lambda message: ended.append(message))
    window.tabs.setCurrentWidget(tab)
    window.generate()
    if window.jobs.owner is not tab:  # refused: the reason is in the message bar
        return window.message.text()
    qtbot.waitUntil(lambda: bool(ended) and window.jobs.owner is None, timeout=int(timeout_s * 1000))
    return ended[0]
