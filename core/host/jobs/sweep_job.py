"""The Sampling lab's job: a temperature sweep on one problem (core.sweep), with its four figures
drawn here in the engine process by the code of `codesynth report` (core.plots, through Agg), so
the GUI only decodes finished PNGs. Qt-free."""

from __future__ import annotations

import io
import time
from dataclasses import asdict

# Drawing a figure takes 100 ms or more and pauses the sampling, so the figures are redrawn at
# most once a second (and always at the end), only those whose data changed, and never for more
# than RENDER_SHARE of the time.
RENDER_EVERY_S = 1.0
RENDER_SHARE = 0.1
DPI = 160  # 880 x 640 pixels: sharp when enlarged to a projector's window; the grid cell scales it down
# The figures, in the order of the tab's grid. The tab imports this module for these names alone, so
# numpy and matplotlib are imported in the functions below, in the engine process only.
PLOTS = ("pass_at_k_vs_k", "distinct_programs", "logprob_distribution", "ranking")


def run(
    backend, pool, cancel, prompt: str, tests: str, entry_point: str, temperatures, n: int, params, dark: bool = False
):
    """`dark`: draw the figures in matplotlib's dark style, to sit in a dark window."""
    from core.sweep import run_sweep

    renderer = _Renderer(dark)
    sweep = None
    for sweep in run_sweep(backend, pool(), prompt, tests, entry_point, tuple(temperatures), n, params, cancel):
        summary = sweep.summary()
        renderer.update(summary)
        yield snapshot(sweep, summary, renderer.pngs)
    if sweep is not None:
        summary = sweep.summary()
        renderer.update(summary, force=True)
        yield snapshot(sweep, summary, renderer.pngs)


def snapshot(sweep, summary: dict, pngs: dict[str, bytes]) -> dict:
    """The whole state for the tab: JSON-able but for the PNG bytes of `plots`."""
    return {
        "temperatures": list(sweep.temperatures),
        "n": sweep.n,
        "samples": [asdict(s) for s in sweep.samples],
        "table": [_row(sweep, summary, t) for t in sweep.temperatures],
        "csv": sweep.to_csv(),
        "progress": {
            "sampled": len(sweep.samples),
            "tested": sum(s.passed is not None for s in sweep.samples),
            "total": sweep.n * len(sweep.temperatures),
        },
        "done": sweep.done,
        "plots": dict(pngs),
    }


def _row(sweep, summary: dict, temperature: float) -> dict:
    """One temperature's numbers, with string keys so that they survive JSON."""
    samples = sweep.at(temperature)
    return {
        "temperature": temperature,
        "sampled": len(samples),
        "tested": sum(s.passed is not None for s in samples),
        "passed": sum(bool(s.passed) for s in samples),
        "pass_at_k": {f"pass@{k}": v for k, v in summary["pass_at_k"].get(temperature, {}).items()},
        **summary["distinct_programs"][temperature],
    }


def png(draw, data) -> bytes:
    """One figure drawn from its data, as the PNG the lab shows."""
    buf = io.BytesIO()
    draw(data).savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def figures(summary: dict) -> dict:
    """Each figure's drawing function and data; one with no data yet is not drawn. The ranking figure
    shows the hottest temperature tested so far: that is where choosing among samples matters most."""
    from core import plots

    ranking, logprobs = summary["ranking"], summary["logprobs"]
    return {
        "pass_at_k_vs_k": (plots.pass_at_k_vs_k, summary["pass_at_k"]),
        "distinct_programs": (plots.distinct_programs_vs_temperature, summary["distinct_programs"]),
        "logprob_distribution": (
            lambda data: plots.logprob_distribution(data["passing"], data["failing"]),
            logprobs if logprobs["passing"] or logprobs["failing"] else {},
        ),
        "ranking": (plots.ranking_curves, {max(ranking): ranking[max(ranking)]} if ranking else {}),
    }


class _Renderer:
    def __init__(self, dark: bool = False):
        self.style = "dark_background" if dark else "default"
        self.pngs: dict[str, bytes] = {}
        self._drawn: dict[str, dict] = {}
        self._next = 0.0

    def update(self, summary: dict, force: bool = False) -> None:
        started = time.monotonic()
        if not force and started < self._next:
            return
        from matplotlib import style

        for name, (draw, data) in figures(summary).items():
            if data and self._drawn.get(name) != data:
                with style.context(self.style):
                    self.pngs[name] = png(draw, data)
                self._drawn[name] = data
        ended = time.monotonic()
        cost = ended - started
        self._next = ended + max(RENDER_EVERY_S - cost, cost * (1 / RENDER_SHARE - 1))
