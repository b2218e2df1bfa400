"""The Sampling lab's four figures, drawn from a sweep's summary by the code of `codesynth report`
(core.evaluation.plots): in the engine host as the sweep goes, and in the lab's figure-drawing helper process
for a restored session or presentation mode's larger text. numpy and matplotlib are imported in
the functions, so the GUI can import this module for PLOTS alone."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.evaluation.summary_keys import by_k, by_temperature

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from core.evaluation.sweep import LabSample

DPI = 160  # 880 x 640 pixels: sharp when enlarged to a projector's window; the grid cell scales it down
# The figures, in the order of the lab's grid.
PLOTS = ("pass_at_k_vs_k", "distinct_programs", "logprob_distribution", "ranking")

Drawing = tuple[Callable[[Any], "Figure"], Any]


def png(draw: Callable[[Any], Figure], data: Any) -> bytes:
    """One figure drawn from its data, as the PNG the lab shows."""
    buf = io.BytesIO()
    draw(data).savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def figures(summary: Mapping[str, Any]) -> dict[str, Drawing]:
    """Each figure's drawing function and data (core.evaluation.sweep.Sweep.summary); one with no data yet is
    not drawn. The ranking figure shows the hottest temperature tested so far: that is where
    choosing among samples matters most."""
    from core.evaluation import plots

    ranking, logprobs = by_temperature(summary["ranking"]), summary["logprobs"]
    return {
        "pass_at_k_vs_k": (
            plots.pass_at_k_vs_k,
            {t: by_k(v) for t, v in by_temperature(summary["pass_at_k"]).items()},
        ),
        "distinct_programs": (plots.distinct_programs_vs_temperature, by_temperature(summary["distinct_programs"])),
        "logprob_distribution": (
            lambda data: plots.logprob_distribution(data["passing"], data["failing"]),
            logprobs if logprobs["passing"] or logprobs["failing"] else {},
        ),
        "ranking": (plots.ranking_curves, {max(ranking): ranking[max(ranking)]} if ranking else {}),
    }


def render(
    temperatures: Sequence[float], n: int, samples: Sequence[LabSample], dark: bool, text_scale: float = 1.0
) -> dict[str, bytes]:
    """Every figure of these samples that has data, as PNG, its text `text_scale` times larger: the
    engine's figures to the byte at 1.0."""
    from core.evaluation.plots import styled
    from core.evaluation.sweep import Sweep

    summary = Sweep(tuple(temperatures), n, list(samples)).summary()
    with styled(dark, text_scale):
        return {name: png(draw, data) for name, (draw, data) in figures(summary).items() if data}
