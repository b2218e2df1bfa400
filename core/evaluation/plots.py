"""The evaluation figures, written once for the HTML report and the GUI.

Each function takes plain data and returns a `matplotlib.figure.Figure` built without
pyplot, so no backend is chosen here: the report saves it through Agg, and the GUI puts
the same object on a Qt canvas (FigureCanvasQTAgg(figure)).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported when a figure is built: the window starts without it
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Colours after the Codex paper's Figure 7.
HEURISTIC_STYLE = {
    "oracle": ("Oracle (the tests)", "black"),
    "agreement": ("Agreement with model-written tests (CodeT)", "tab:green"),
    "cluster": ("Largest behaviour cluster", "tab:olive"),
    "back_translation": ("Back-translation", "tab:orange"),
    "mean_logprob": ("Mean token log-prob", "tab:red"),
    "sum_logprob": ("Sum log-prob", "tab:purple"),
    "random": ("Random", "tab:blue"),
}


@contextmanager
def styled(dark: bool = False, text_scale: float = 1.0) -> Iterator[None]:
    """Figures built inside are in matplotlib's dark style (for a dark window) or its default one,
    with every text `text_scale` times its usual size: presentation mode's larger type. Sizes such
    as "small" are relative to font.size, so scaling it scales them all."""
    import matplotlib
    from matplotlib import style

    with style.context("dark_background" if dark else "default"):
        with matplotlib.rc_context({"font.size": matplotlib.rcParams["font.size"] * text_scale}):
            yield


def _figure(ncols: int = 1) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5 * ncols, 4.0), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """One legend for the figure, below the plots: inside the axes it covered the curves it
    names (issue 23), and panels that share their lines need it once."""
    entries: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    if entries:
        fig.legend(
            list(entries.values()),
            list(entries),
            loc="outside lower center",
            ncols=min(len(entries), 3),
            fontsize="small",
            frameon=False,
        )


def pass_at_k_vs_k(pass_at_k: Mapping[float, Mapping[int, float]]) -> Figure:
    """Figure 6 style: pass@k against k (log scale), one line per temperature."""
    fig, (ax,) = _figure()
    for temperature, by_k in sorted(pass_at_k.items()):
        ks = sorted(by_k)
        ax.plot(ks, [100 * by_k[k] for k in ks], marker="o", label=f"T = {temperature:g}")
    ax.set_xscale("log")
    ax.set(xlabel="k (samples)", ylabel="pass@k (%)", title="pass@k against k")
    ax.grid(True, which="both", alpha=0.3)
    _legend(fig, [ax])
    return fig


def pass_at_k_vs_temperature(pass_at_k: Mapping[float, Mapping[int, float]]) -> Figure:
    """Figure 5 style: pass@k against sampling temperature, one line per k."""
    fig, (ax,) = _figure()
    temperatures = sorted(pass_at_k)
    for k in sorted({k for by_k in pass_at_k.values() for k in by_k}):
        points = [(t, 100 * pass_at_k[t][k]) for t in temperatures if k in pass_at_k[t]]
        ax.plot(*zip(*points), marker="o", label=f"pass@{k}")
    ax.set(xlabel="sampling temperature", ylabel="pass@k (%)", title="pass@k against temperature")
    ax.grid(True, alpha=0.3)
    _legend(fig, [ax])
    return fig


def distinct_programs_vs_temperature(counts: Mapping[float, Mapping[str, int]]) -> Figure:
    """Distinct programs among the samples against temperature, with the distinct passing ones and
    the number of samples (every sample different) for scale. `counts[t]` holds "samples",
    "distinct" and "distinct_passing", as in the summaries of `codesynth eval` and the lab."""
    fig, (ax,) = _figure()
    temperatures = sorted(counts)
    lines: tuple[tuple[str, str, dict[str, Any]], ...] = (  # Any: matplotlib's line properties
        ("samples", "samples (all different)", dict(color="grey", linestyle="--")),
        ("distinct", "distinct programs", dict(color="tab:blue", marker="o")),
        ("distinct_passing", "distinct passing programs", dict(color="tab:green", marker="o")),
    )
    for key, label, style in lines:
        ax.plot(temperatures, [counts[t][key] for t in temperatures], label=label, **style)
    ax.set(xlabel="sampling temperature", ylabel="programs", title="Distinct programs against temperature")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    _legend(fig, [ax])
    return fig


def ranking_curves(curves: Mapping[float, Mapping[str, Sequence[float]]]) -> Figure:
    """Figure 7 style: pass rate of the top-ranked of k samples, one panel per temperature."""
    fig, axes = _figure(max(1, len(curves)))
    for ax, (temperature, by_heuristic) in zip(axes, sorted(curves.items())):
        for heuristic, (label, colour) in HEURISTIC_STYLE.items():
            if heuristic in by_heuristic:
                values = by_heuristic[heuristic]
                ax.plot(np.arange(1, len(values) + 1), 100 * np.asarray(values), label=label, color=colour)
        ax.set_xscale("log")
        ax.set(
            xlabel="k (samples to choose from)",
            ylabel="pass rate of the chosen sample (%)",
            title=f"Choosing one sample, T = {temperature:g}",
        )
        ax.grid(True, which="both", alpha=0.3)
    _legend(fig, axes)
    return fig


def logprob_distribution(passing: Sequence[float], failing: Sequence[float]) -> Figure:
    """Histogram of the mean token log-prob of passing and of failing candidates."""
    fig, (ax,) = _figure()
    finite = [np.asarray([v for v in values if np.isfinite(v)]) for values in (passing, failing)]
    pooled = np.concatenate(finite)
    bins: list[float] | int = np.histogram_bin_edges(pooled, bins=30).tolist() if pooled.size else 10
    for values, label, colour in zip(finite, ("passing", "failing"), ("tab:green", "tab:red")):
        if values.size:
            ax.hist(values, bins=bins, density=True, alpha=0.5, color=colour, label=f"{label} ({values.size})")
    ax.set(xlabel="mean token log-prob", ylabel="density", title="Mean log-prob of passing and failing samples")
    ax.grid(True, alpha=0.3)
    _legend(fig, [ax])
    return fig


def compare_runs(
    letters: Sequence[str],
    names: Sequence[str],
    logprobs: Sequence[Mapping[str, Sequence[float]]],
    pass_at_k: Sequence[Mapping[int, float]],
) -> Figure:
    """Runs side by side (core.evaluation.compare): left, each run's mean token log-probs as one strip of dots
    (labelled by its letter), passing green, failing red, untested grey; right, pass@k against k,
    one line per run, named in full in its legend."""
    fig, (strips, curves) = _figure(2)
    jitter = np.random.default_rng(0)  # fixed, so the same runs always draw the same picture
    rows = np.arange(len(letters))[::-1]  # the first run on top, as in the table
    for row, name, by_verdict, by_k in zip(rows, names, logprobs, pass_at_k):
        for verdict, colour in (("untested", "grey"), ("failing", "tab:red"), ("passing", "tab:green")):
            values = np.asarray(by_verdict.get(verdict, ()), dtype=float)
            if values.size:
                strips.scatter(
                    values,
                    row + jitter.uniform(-0.25, 0.25, values.size),
                    s=18,
                    alpha=0.6,
                    color=colour,
                    label=verdict,
                    edgecolors="none",
                )
        if by_k:
            ks = sorted(by_k)
            curves.plot(
                ks,
                [100 * by_k[k] for k in ks],
                marker="o",
                markersize=3,
                label=name if len(name) <= 40 else name[:39] + "…",
            )
    strips.set_yticks(rows, list(letters))
    strips.set_ylim(-0.6, len(letters) - 0.4)
    strips.set(xlabel="mean token log-prob", title="Mean log-prob of each candidate")
    strips.grid(True, axis="x", alpha=0.3)
    curves.set_xscale("log")
    curves.set(xlabel="k (samples)", ylabel="pass@k (%)", title="pass@k against k", ylim=(-2, 102))
    curves.grid(True, which="both", alpha=0.3)
    if curves.lines:
        curves.legend(fontsize="small", loc="lower right")
    _legend(fig, [strips])
    return fig
