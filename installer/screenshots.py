"""Screenshots for the README: starts Xvfb, runs the app on it, drives a generation on a
HumanEval problem with a candidate selected (at 1600x1000 and at 1024x700), a run stopped
midway, then the Sampling lab's Demo, a From-examples task and a Docstrings run, and saves
docs/screenshots/*.png (light and dark).

Usage: .venv/bin/python installer/screenshots.py [--model default] [-n 10] [--task HumanEval/0] [--workbench-only]
Needs Xvfb and the xcb libraries (installer/bootstrap.sh installs them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = (1600, 1000)
SMALL = (1024, 700)  # the smallest window the layout is made for


def start_xvfb() -> tuple[subprocess.Popen, str]:
    if not shutil.which("Xvfb"):
        raise SystemExit("Xvfb is not installed: sudo apt-get install -y xvfb (or run installer/bootstrap.sh)")
    for number in range(99, 120):
        if os.path.exists(f"/tmp/.X11-unix/X{number}") or os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{number}"):
                return proc, f":{number}"
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
    raise SystemExit("could not start Xvfb on displays :99-:119")


def wait_for(app, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the app")
        app.processEvents()
        time.sleep(0.01)


def settle(app, seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def open_window(args, size: tuple[int, int]):
    """(app, window): the app in colour scheme `args.shoot`, its settings and sessions in
    `args.settings_dir`, the window at the top left, once its model and sandbox are ready."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_app import main_window
    from desktop_app.app import configure
    from desktop_app.first_run import DONE_KEY
    from desktop_app.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    configure(app, args.shoot)
    QSettings().setValue(DONE_KEY, True)  # no welcome bar in the pictures
    main_window.sessions_path = lambda: Path(args.settings_dir) / "sessions.sqlite"  # not the user's history
    window = MainWindow(model_spec=args.model)
    window.setGeometry(0, 0, *size)
    window.show()
    wait_for(
        app, lambda: window.controller.engine.state == "idle" and window.controller.sandbox_layers is not None, 600
    )
    return app, window


def shoot(args) -> None:
    """Runs in the child process, on the Xvfb display."""
    from PySide6.QtWidgets import QToolTip

    from core.evaluation.problems import load_problems
    from desktop_app.problem_browser import ProblemBrowser

    app, window = open_window(args, SIZE)
    problems = load_problems()
    window.load_problem(problems[args.task])
    window.controls.apply_preset("pass@1 (T=0.2)")
    window.controls.samples.setValue(args.n)
    window.controls.temperature.setValue(args.temperature)
    done = []
    window.controller.run_finished.connect(lambda: done.append(True))
    window.generate()
    wait_for(app, lambda: bool(done), 1800)
    window.view.selectRow(0)
    settle(app)
    screen = app.primaryScreen()

    def save(name: str, size: tuple[int, int] = SIZE) -> None:
        settle(app, 0.3)
        path = os.path.join(args.out, f"{name}-{args.shoot}.png")
        screen.grabWindow(0, 0, 0, *size).save(path)
        print(path)

    save("studio")
    heat = window.details.heat
    if heat._starts:
        cursor = heat.textCursor()
        cursor.setPosition(heat._starts[min(3, len(heat._starts) - 1)] + 1)
        where = heat.viewport().mapToGlobal(heat.cursorRect(cursor).center())
        QToolTip.showText(where, heat.tooltip_for(heat.token_at(cursor.position())), heat)
        save("token-probabilities")
        QToolTip.hideText()
    window.console.show()
    wait_for(app, lambda: window.console.console is not None, 60)
    window.console.console.execute("candidate")
    settle(app, 3)
    save("console")
    window.console.hide()
    window.setGeometry(0, 0, *SMALL)
    settle(app, 1)
    save("studio-1024x700", SMALL)
    window.setGeometry(0, 0, *SIZE)
    browser = ProblemBrowser(problems, window)
    browser.search.setText("palindrome")
    browser.show()
    browser.move(window.geometry().center() - browser.rect().center())
    save("problem-browser")
    browser.close()
    shoot_stopped_run(app, window, save)
    if not args.workbench_only:
        shoot_tabs(app, window, save)
    window.close()


def shoot_stopped_run(app, window, save) -> None:
    """The pass@100 preset stopped after a few candidates: the cut-off ones are kept, marked and
    left out of pass@k."""
    window.controls.apply_preset("pass@100 (T=0.8)")
    done = []
    window.controller.run_finished.connect(lambda: done.append(True))
    window.generate()
    deadline = time.monotonic() + 60  # a batch of 200 may finish none early: stop after a minute anyway
    wait_for(app, lambda: len(window.model.finished()) >= 3 or time.monotonic() > deadline, 900)
    window.controller.stop()
    wait_for(app, lambda: bool(done), 900)
    stopped = [i for i in window.view.ranked_indices() if window.model.entry(i).candidate.finish_reason == "cancelled"]
    if stopped:
        window.view.selectRow(window.view.ranked_indices().index(stopped[0]))
    save("stopped-run")


def shoot_tabs(app, window, save) -> None:
    """The Sampling lab's Demo preset, a From-examples task and a Docstrings run."""
    from core.modes.example_library import load_library

    def run_and_save(tab, start, name: str) -> None:
        window.tabs.setCurrentWidget(tab)
        start()
        wait_for(app, lambda: window.jobs.owner is None, 900)
        window.message.clear()
        save(name)

    window.controls.samples.setValue(5)
    tabs = window.job_tabs
    run_and_save(tabs["sweep"], tabs["sweep"].run_demo, "sampling-lab")
    run_and_save(
        tabs["examples"],
        lambda: (tabs["examples"].load_entry("examples/km_to_miles"), tabs["examples"].run()),
        "from-examples",
    )
    classic = next(e for e in load_library() if e.kind == "classic")
    docstrings = tabs["docstrings"]
    docstrings.code.setPlainText(classic.prompt.split('"""')[0].rstrip() + "\n" + classic.solution)
    docstrings.tests.setPlainText(classic.tests)  # calls that give back-translation its inputs
    docstrings.refresh_functions()
    run_and_save(docstrings, docstrings.run, "docstrings")


def add_child_role(parser: argparse.ArgumentParser) -> None:
    """The hidden options a script passes to itself when it reruns as the child that shoots one scheme."""
    parser.add_argument("--shoot", choices=("light", "dark"), help=argparse.SUPPRESS)
    parser.add_argument("--settings-dir", help=argparse.SUPPRESS)


def shoot_in_child(script: str, argv: list[str], scheme: str, settings: str, env: dict[str, str]) -> None:
    """Runs `script --shoot scheme` in a fresh process, so that each colour scheme starts the app
    from scratch with the throwaway settings in `settings`."""
    command = [sys.executable, script, *argv, "--shoot", scheme, "--settings-dir", settings]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--task", default="HumanEval/0")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--workbench-only", action="store_true", help="skip the Lab, From-examples and Docstrings tabs")
    add_child_role(parser)
    args = parser.parse_args()
    if args.shoot:
        shoot(args)
        return
    os.makedirs(args.out, exist_ok=True)
    xvfb, display = start_xvfb()
    try:
        settings = tempfile.mkdtemp(prefix="screenshots-settings-")
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=settings)
        for scheme in ("light", "dark"):
            shoot_in_child(os.path.abspath(__file__), sys.argv[1:], scheme, settings, env)
    finally:
        xvfb.kill()
        xvfb.wait()


if __name__ == "__main__":
    main()
