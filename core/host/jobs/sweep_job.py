"""The Sampling lab's job: a temperature sweep on one problem (core.evaluation.sweep), with its four figures
drawn here in the engine process by the code of `codesynth report` (core.evaluation.sweep_figures, through
Agg), so the GUI only decodes finished PNGs. Each update carries only the samples drawn or tested
since the last, and the figures redrawn since. Qt-free."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from core.evaluation.sweep import Sweep
from core.host.snapshots import SweepUpdate
from core.sampling.params import SamplingParams

if TYPE_CHECKING:
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool

# Drawing a figure takes 100 ms or more and pauses the sampling, so the figures are redrawn at
# most once a second (and always at the end), only those whose data changed, and never for more
# than RENDER_SHARE of the time.
RENDER_EVERY_S = 1.0
RENDER_SHARE = 0.1


def run(
    backend: Backend,
    pool: Callable[[], SandboxPool],
    cancel: threading.Event,
    prompt: str,
    tests: str,
    entry_point: str,
    temperatures: Sequence[float],
    n: int,
    params: SamplingParams,
    dark: bool = False,
) -> Iterator[SweepUpdate]:
    """`dark`: draw the figures in matplotlib's dark style, to sit in a dark window."""
    from core.evaluation.sweep import run_sweep

    sweep = Sweep(tuple(temperatures), n)
    renderer = Renderer(dark)
    for sample in run_sweep(backend, pool(), prompt, tests, entry_point, sweep.temperatures, n, params, cancel):
        sweep.record(sample)
        yield SweepUpdate(sweep.temperatures, n, (sample,), renderer.update(sweep))
    yield SweepUpdate(sweep.temperatures, n, (), renderer.update(sweep, force=True))


class Renderer:
    """Redraws the figures whose data changed, when it is time; returns only those."""

    def __init__(self, dark: bool = False):
        self.dark = dark
        self._drawn: dict[str, Any] = {}  # each figure's data when it was last drawn
        self._next = 0.0

    def update(self, sweep: Sweep, force: bool = False) -> dict[str, bytes]:
        started = time.monotonic()
        if not force and started < self._next:
            return {}
        from core.evaluation.plots import styled
        from core.evaluation.sweep_figures import figures, png

        pngs = {}
        for name, (draw, data) in figures(sweep.summary()).items():
            if data and self._drawn.get(name) != data:
                with styled(self.dark):
                    pngs[name] = png(draw, data)
                self._drawn[name] = data
        ended = time.monotonic()
        cost = ended - started
        self._next = ended + max(RENDER_EVERY_S - cost, cost * (1 / RENDER_SHARE - 1))
        return pngs
