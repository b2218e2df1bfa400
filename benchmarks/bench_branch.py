"""A branch from a token in CodeSynth Studio (issue 20): time from the click on an alternative
token to the child candidate finished and tested, in the real window with the real sandbox.

It samples HumanEval/0 once (pass@1 preset, n candidates), waits for the run and the examination
after it, then branches the top candidate at a few tokens (the likeliest alternative there), one
after the other. Goal: under 2 s on the default model.

The last line printed is `branch_median_s=X branch_max_s=Y`.
Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_branch.py [--model SPEC] [--repeats 5]
       [--mode auto|completion|instruct]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bench_ui_latency import wait_for


def open_window(spec: str):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import configure
    from desktop_app.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="bench-settings-"))
    configure(app)
    window = MainWindow(model_spec=spec)
    window.show()
    wait_for(
        app, lambda: window.controller.engine.state == "idle" and window.controller.sandbox_layers is not None, 900
    )
    if window.controller.engine.info is None:
        raise SystemExit(f"model failed to load: {window.model_bar.status.text()}")
    return app, window


def settled(window, finished: list) -> bool:
    """The run (or branch) ended, every test is in and the examination after it ended too."""
    return bool(finished) and window.controller.engine.state == "idle" and window.behaviour.running is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("-n", type=int, default=4, help="candidates of the run branched from")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mode", choices=("auto", "completion", "instruct"), default="auto")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from core.evaluation.problems import load_problems
    from desktop_app.token_heat_view import alternatives_at

    app, window = open_window(args.model)
    window.load_problem(load_problems()["HumanEval/0"])
    window.controls.apply_preset("pass@1 (T=0.2)")
    window.controls.samples.setValue(args.n)
    window.controls.mode.setCurrentIndex(window.controls.mode.findData(args.mode))
    finished: list = []
    window.controller.run_finished.connect(lambda: finished.append(True))
    window.generate()
    wait_for(app, lambda: settled(window, finished), 1800)
    # The best-ranked candidate long enough to branch at every repeat (a small model may rank an
    # empty one first), else the longest.
    ranked = [window.model.entry(i).candidate for i in window.view.ranked_indices()]
    parent = next((c for c in ranked if len(c.tokens) > args.repeats), max(ranked, key=lambda c: len(c.tokens)))
    top = parent.index
    positions = [i for i in range(1, len(parent.tokens)) if alternatives_at(parent, i)]
    positions = positions[:: max(1, len(positions) // args.repeats)][: args.repeats]
    times = []
    for position in positions:
        window.view.selectRow(
            next(
                r for r in range(window.view.model().rowCount()) if window.view.model().index(r, 0).data(0x0100) == top
            )
        )
        alternative = alternatives_at(parent, position)[0][0]
        finished.clear()
        before = len(window.model.entries)
        started = time.perf_counter()
        window.details.heat.branch_requested.emit(position, alternative)  # what the menu entry does
        wait_for(app, lambda: bool(finished) and window.controller.engine.state == "idle", 600)
        times.append(time.perf_counter() - started)
        child = window.model.entries[-1]
        assert len(window.model.entries) == before + 1 and child.branch is not None and child.candidate is not None
        print(
            f"branch at token {position} with {alternative!r}: {times[-1]:.2f} s, "
            f"{len(child.candidate.token_ids)} tokens, tests: {child.test}"
            f"{' ' + child.result.human_eval_result if child.result else ''}",
            flush=True,
        )
        wait_for(app, lambda: settled(window, [True]), 600)
    window.close()
    print(
        f"{len(times)} branches on {args.model}: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
        f"(goal: under 2 s)"
    )
    print(f"branch_median_s={statistics.median(times):.2f} branch_max_s={max(times):.2f}")


if __name__ == "__main__":
    main()
