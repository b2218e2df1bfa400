"""The Sampling lab's figures drawn again from a sweep's samples with larger text, for presentation
mode: the engine process draws them at the usual size as the sweep goes (desktop_app/jobs/sweep_job.py),
and this draws the same figures, from the same data and at the same resolution, in the lab's
FigureDrawer helper process. Qt-free: the helper imports only this, matplotlib and core."""

from __future__ import annotations


def render(temperatures: list[float], n: int, samples: list[dict], dark: bool, text_scale: float) -> dict[str, bytes]:
    """Each figure the engine would draw for these samples, as PNG, its text `text_scale` times larger."""
    from core.host.jobs.sweep_job import figures, png
    from core.plots import styled
    from core.sweep import LabSample, Sweep

    summary = Sweep(tuple(temperatures), n, [LabSample(**sample) for sample in samples]).summary()
    with styled(dark, text_scale):
        return {name: png(draw, data) for name, (draw, data) in figures(summary).items() if data}
