"""What the token view of the selected candidate can ask of the model (issue 20): a branch from an
alternative token (a new candidate of the current run, tested like the others) and the next-token
distribution at the token under the caret.

A position's logits are asked for once and cached; the Parameters dock's temperature, top-k and
top-p then only reshape them in this process (desktop_app.distribution_view), so moving a knob
never costs a forward pass."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from superqt.utils import thread_worker

from core.displayable import displayable
from core.sampling.params import InvalidParams
from desktop_app.branch import branch_at, branch_params
from desktop_app.distribution_view import SHOWN

if TYPE_CHECKING:
    from desktop_app.candidate_details import CandidateDetails
    from desktop_app.main_window import MainWindow

CACHED_POSITIONS = 64  # about 200 KB each for a 50k-token vocabulary


@thread_worker
def _as_tensor(data: bytes):
    """The logits as a tensor, made off the GUI thread: the first one imports torch (a second or
    two), which the GUI process otherwise never needs."""
    import torch

    import core.sampling.distribution  # noqa: F401 - imported here so that the GUI thread's import is free

    return torch.frombuffer(bytearray(data), dtype=torch.float32)


class TokenExplorer(QObject):
    def __init__(self, details: CandidateDetails, window: MainWindow) -> None:
        super().__init__(details)
        self.details, self.window = details, window
        self.cache: OrderedDict[tuple, tuple] = OrderedDict()  # (run, candidate, position) -> (logits, pieces)
        self.requests = 0  # logits asked of the engine, for the tests and the latency benchmark
        self._wanted: tuple | None = None  # the position the plot should show
        details.heat.branch_requested.connect(self.branch)
        details.heat.position_selected.connect(self.show_position)
        window.controller.engine.next_token_logits_ready.connect(self._on_logits)
        QTimer.singleShot(0, self._follow_knobs)  # the Parameters dock is built after the details pane

    def _follow_knobs(self) -> None:
        self.window.controls.changed.connect(self.reshape)

    def _mode(self) -> str:
        run = self.window.controller.run
        return (
            run.params.mode if run is not None and run.params is not None else self.window.controls.mode.currentData()
        )

    # -- branch ----------------------------------------------------------------------------------

    def branch(self, position: int, alternative: str) -> None:
        """Starts the child that writes `alternative` instead of the shown candidate's token `position`."""
        c, candidate = self.window.controller, self.details.heat.candidate
        if candidate is None or c.run is None:
            return
        branch = branch_at(candidate, position, alternative)
        try:
            params = branch_params(c.run.params or self.window.controls.params(), branch)
        except InvalidParams as exc:
            c.error.emit(f"Invalid parameter: {exc}.")
            return
        # The behaviour examination that follows each run gives way, as it does to Generate.
        if self.window.behaviour.give_way(lambda: self.branch(position, alternative)):
            return
        if c.branch(branch, params):
            c.info.emit(
                f"Branching from candidate #{candidate.index} at token {position}: it continues with "
                f"{alternative!r} instead of {candidate.tokens[position]!r}."
            )

    # -- distribution ----------------------------------------------------------------------------

    def show_position(self, position: int) -> None:
        c, candidate = self.window.controller, self.details.heat.candidate
        if candidate is None or c.run is None:
            return
        key = (c.run.id, candidate.index, position)
        self._wanted = key
        if key in self.cache:
            self._show(key)
            return
        self.details.distribution.show_message(f"Token {position}: asking the model for its distribution…")
        self.requests += 1
        c.engine.next_token_logits(key, c.run.prompt, candidate.token_ids[:position], self._mode(), SHOWN)

    def _on_logits(self, reply) -> None:
        if reply.logits is None:
            if reply.key == self._wanted:
                self.details.distribution.show_message(displayable(f"No distribution: {reply.problem}."))
            return
        worker = _as_tensor(reply.logits)
        worker.returned.connect(lambda logits: self._cache(reply.key, logits, reply.pieces))
        worker.start()

    def _cache(self, key: tuple, logits, pieces: dict[int, str]) -> None:
        self.cache[key] = (logits, pieces)
        while len(self.cache) > CACHED_POSITIONS:
            self.cache.popitem(last=False)
        if key == self._wanted:
            self._show(key)

    def _show(self, key: tuple) -> None:
        candidate = self.details.heat.candidate
        _run, index, position = key
        if candidate is None or candidate.index != index:
            return
        logits, pieces = self.cache[key]
        self.cache.move_to_end(key)
        written = candidate.token_ids[position]
        self.details.distribution.show_position(
            f"Candidate #{index}, token {position}: the model wrote {pieces.get(written, candidate.tokens[position])!r} (▶) from this "
            f"distribution",
            logits,
            pieces,
            written,
        )
        self.reshape()

    def reshape(self) -> None:
        """The shown position under the Parameters dock's knobs, from cached logits."""
        controls = self.window.controls
        self.details.distribution.reshape(
            round(controls.temperature.value(), 4), controls.top_k.value(), controls.top_p.value()
        )
