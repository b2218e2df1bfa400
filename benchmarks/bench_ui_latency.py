"""UI responsiveness of CodeSynth Studio.

1. Cold start: `python -m desktop_app.app --exit-when-shown`, timed from process launch to the
   window being shown (median of several launches). Goal: under 1.5 s.
2. Event-loop latency: a QTimer that measures its own lateness runs in the real window while the
   default model samples 20 candidates for HumanEval/0 and the sandbox tests them. Goal: the worst
   stall is under 50 ms.
3. The next-token distribution plot (issue 20): after that run, a token of the top candidate is
   selected and the temperature slider swept over its cached logits; each move's reshape and
   repaint is timed and the probe runs throughout. Goal: each redraw under 50 ms, no engine request.
4. A Sampling-lab sweep of the same problem (two temperatures, n samples each), its table and
   figures updating live, with the probe running.
5. Compare: the Workbench run and the sweep pinned side by side; each pin's redraw (the list, the
   status and the tab's paint; the table, the best candidates and the diff follow at later turns
   of the event loop) is timed, and the probe runs until the figure, drawn in a helper process, is shown.
   Goal: each redraw under 50 ms, and every stall.
Model load is measured too (the probe runs from the window's first paint to the model ready).

The last line printed is `max_stall_ms=X p99_stall_ms=Y`: the worst of every section.
Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui_latency.py [--model SPEC] [-n 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_INTERVAL_MS = 5


def cold_start_ms(runs: int) -> tuple[float, float]:
    """(median wall ms from launch to window shown, median of what the app itself measured)."""
    walls, inside = [], []
    for _ in range(runs):
        env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="bench-settings-"))
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop_app.app", "--exit-when-shown"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in proc.stdout:
            if line.startswith("shown_ms="):
                walls.append((time.perf_counter() - started) * 1000)
                inside.append(float(line.split("=")[1]))
                break
        proc.wait(timeout=60)
    return statistics.median(walls), statistics.median(inside)


class LatencyProbe:
    """Lateness of a fast timer: any time the event loop was blocked shows up as a stall."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.stalls: list[float] = []
        self.busy_in_long_stalls: list[float] = []  # GUI-thread CPU ms during each stall over 50 ms
        self._last = self._last_cpu = None
        self.timer = QTimer(interval=PROBE_INTERVAL_MS, timerType=Qt.TimerType.PreciseTimer, timeout=self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._last is not None:
            stall = max(0.0, (now - self._last) * 1000 - PROBE_INTERVAL_MS)
            self.stalls.append(stall)
            if stall > 50:
                # Little CPU on the GUI thread in a long stall means it was waiting, not working:
                # descheduled by a loaded machine, or waiting for the interpreter lock.
                self.busy_in_long_stalls.append((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self.stalls, self.busy_in_long_stalls, self._last = [], [], None
        self.timer.start()

    def stop(self) -> tuple[float, float]:
        self.timer.stop()
        ordered = sorted(self.stalls)
        return ordered[-1], ordered[int(0.99 * (len(ordered) - 1))]


def wait_for(app, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.002)


def generation_stalls(spec: str, n: int) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.evaluation.problems import load_problems
    from desktop_app.app import configure
    from desktop_app.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="bench-settings-"))
    configure(app)
    probe = LatencyProbe()
    window = MainWindow(model_spec=spec)
    window.show()
    app.processEvents()  # the first paint belongs to the start-up, measured above
    probe.start()
    loaded_at = time.perf_counter()
    wait_for(
        app, lambda: window.controller.engine.state == "idle" and window.controller.sandbox_layers is not None, 600
    )
    if window.controller.engine.info is None:
        raise SystemExit(f"model failed to load: {window.model_bar.status.text()}")
    load = probe.stop()
    load_s = time.perf_counter() - loaded_at
    window.load_problem(load_problems()["HumanEval/0"])
    window.controls.apply_preset("pass@100 (T=0.8)")
    window.controls.samples.setValue(n)
    done = []
    window.controller.run_finished.connect(lambda: done.append(True))
    probe.start()
    started = time.perf_counter()
    window.generate()
    wait_for(app, lambda: bool(done), 1800)
    run = probe.stop()
    elapsed = time.perf_counter() - started
    busy = ", ".join(f"{ms:.0f}" for ms in probe.busy_in_long_stalls) or "-"
    over_50 = f"{len(probe.busy_in_long_stalls)} (GUI-thread CPU during each: {busy} ms)"
    result = {
        "over_50": over_50,
        "load_max": load[0],
        "load_p99": load[1],
        "load_s": load_s,
        "max": run[0],
        "p99": run[1],
        "run_s": elapsed,
        "ticks": len(probe.stalls),
        "summary": window.summary.text(),
    }
    result["distribution"] = distribution_redraws(app, window, probe)
    result["sweep"] = sweep_stalls(app, window, probe, n)
    result["compare"] = compare_redraws(app, window, probe)
    window.close()
    return result


def sweep_stalls(app, window, probe: LatencyProbe, n: int) -> dict:
    """A lab sweep on the Workbench's problem, run to its end (see the docstring, 4.)."""
    tab = window.job_tabs["sweep"]
    ended = []
    window.controller.engine.job_done.connect(lambda: ended.append(True))
    window.controller.engine.job_failed.connect(lambda message: ended.append(message))
    window.tabs.setCurrentWidget(tab)
    tab.set_problem(window.prompt_editor.toPlainText(), window.tests_editor.text())
    tab.temperatures.setText("0.2, 0.8")
    tab.samples.setValue(n // 2)
    probe.start()
    started = time.perf_counter()
    window.generate()
    wait_for(app, lambda: bool(ended) and window.jobs.owner is None, 1800)
    stall = probe.stop()
    if ended[0] is not True:
        raise SystemExit(f"the sweep failed: {ended[0]}")
    return {"max": stall[0], "p99": stall[1], "s": time.perf_counter() - started, "progress": tab.progress.text()}


def compare_redraws(app, window, probe: LatencyProbe) -> dict:
    """The Workbench run and the sweep pinned in Compare (see the docstring, 5.)."""
    tab = window.compare_tab
    drawn = []
    tab._drawer.drawn.connect(lambda png: drawn.append(png))
    sessions = [s.id for s in window.store.list()[:2]]  # the sweep, then the Workbench run
    redraws = []
    probe.start()
    for sid in reversed(sessions):
        started = time.perf_counter()
        window.pin_to_compare(sid)
        tab.repaint()  # the paint itself, not just its scheduling
        redraws.append((time.perf_counter() - started) * 1000)
        app.processEvents()
    wait_for(app, lambda: bool(drawn) and bool(drawn[-1]), 300)
    stall = probe.stop()
    return {"redraws": redraws, "max_ms": max(redraws), "stall_max": stall[0], "pinned": len(tab.runs)}


def distribution_redraws(app, window, probe: LatencyProbe, steps: int = 40) -> dict:
    """Sweeps the temperature slider over one position's cached logits (see the docstring, 3.)."""
    window.view.selectRow(0)
    heat, view, explorer = window.details.heat, window.details.distribution, window.details.explorer
    heat.select_token(min(3, len(heat.candidate.tokens) - 1))
    wait_for(app, lambda: view.plot.shaped is not None, 300)
    requests = explorer.requests
    redraws = []
    probe.start()
    for step in range(steps):
        started = time.perf_counter()
        window.controls.temperature.setValue(0.05 + 1.95 * step / (steps - 1))
        view.plot.repaint()  # the paint itself, not just its scheduling
        redraws.append((time.perf_counter() - started) * 1000)
        app.processEvents()
    stall = probe.stop()
    return {
        "median_ms": statistics.median(redraws),
        "max_ms": max(redraws),
        "stall_max": stall[0],
        "requests": explorer.requests - requests,
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time (median reported)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    wall, inside = cold_start_ms(args.starts)
    print(f"cold start: {wall:.0f} ms from launch to window shown ({inside:.0f} ms measured inside the app)")
    print(f"startup_ms={wall:.0f}", flush=True)
    r = generation_stalls(args.model, args.n)
    print(
        f"model load ({args.model}, {r['load_s']:.1f} s): max stall {r['load_max']:.1f} ms, p99 {r['load_p99']:.1f} ms"
    )
    print(
        f"generation of {args.n} samples with tests: {r['run_s']:.1f} s, {r['ticks']} probe ticks, "
        f"stalls over 50 ms: {r['over_50']}; {r['summary']}"
    )
    d = r["distribution"]
    print(
        f"distribution plot, {d['steps']} temperature moves: redraw median {d['median_ms']:.1f} ms, max "
        f"{d['max_ms']:.1f} ms, max stall {d['stall_max']:.1f} ms, engine requests while sliding: {d['requests']}"
    )
    print(f"distribution_redraw_max_ms={d['max_ms']:.1f}")
    w = r["sweep"]
    print(f"lab sweep ({w['progress']}): {w['s']:.1f} s, max stall {w['max']:.1f} ms, p99 {w['p99']:.1f} ms")
    c = r["compare"]
    print(
        f"compare, {c['pinned']} runs pinned: redraws {', '.join(f'{ms:.1f}' for ms in c['redraws'])} ms, "
        f"max stall until the figure is shown {c['stall_max']:.1f} ms"
    )
    print(f"compare_redraw_max_ms={c['max_ms']:.1f}")
    sections = {
        "model load": r["load_max"],
        "generation": r["max"],
        "distribution plot": d["stall_max"],
        "lab sweep": w["max"],
        "compare": c["stall_max"],
    }
    worst = max(sections, key=lambda name: sections[name])
    print(f"worst stall: {sections[worst]:.1f} ms, during {worst}")
    p99 = max(r["p99"], r["load_p99"], w["p99"])
    print(f"max_stall_ms={sections[worst]:.1f} p99_stall_ms={p99:.1f}")


if __name__ == "__main__":
    main()
