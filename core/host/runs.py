"""Workbench runs in the engine host: the model's stream goes through core.pipeline, the one
generate -> drop duplicate programs -> test -> rank driver, with the app's one sandbox pool.

The GUI sees what the pipeline sees, batched: every token delta (the table streams them), each
finished candidate as it arrives and each verdict as it comes back. Rankings are not sent: the
Workbench orders by the ranker the user picked in its "Rank by" menu.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from core.host.protocol import (
    DeviceStats,
    Generate,
    Generated,
    GenerateFailed,
    Reply,
    RunEvent,
    RunEvents,
    RunTests,
    RunTestsDone,
)
from core.pipeline import CandidateArrived, VerdictArrived, run_pipeline
from core.sampling.candidate import CandidateDone, TokenDelta
from core.sampling.interface import GenerationOOM

if TYPE_CHECKING:
    from sandbox import SandboxPool

BATCH_S = 0.05  # one message per 50 ms, so the GUI sees at most 20 batches a second
STATS_S = 1.0  # GPU memory and load, for the status bar

Send = Callable[[Reply], None]


class _Batches:
    """Collects one run's events and sends them at most every BATCH_S while the model writes, and
    the GPU's figures at most every STATS_S. Once the stream has ended only verdicts are left, a
    few, and each is sent at once: nothing else would come to carry a batch out."""

    def __init__(self, send: Send, run_id: int, device: str):
        self.send, self.run_id, self.device = send, run_id, device
        self.events: list[RunEvent] = []
        self.last_send = time.monotonic()
        self.last_stats = 0.0  # the first batch brings the GPU's figures along
        self.streaming = True

    def add(self, event: RunEvent) -> None:
        self.events.append(event)
        now = time.monotonic()
        if not self.streaming or now - self.last_send >= BATCH_S:
            self.flush()
            self.last_send = now
            if now - self.last_stats >= STATS_S:
                stats = gpu_stats(self.device)
                if stats is not None:
                    self.send(stats)
                self.last_stats = now

    def flush(self) -> None:
        if self.events:
            self.send(RunEvents(self.run_id, tuple(self.events)))
            self.events = []

    def deltas_of(self, stream: Iterable[TokenDelta | CandidateDone]) -> Iterator[TokenDelta | CandidateDone]:
        """`stream`, unchanged, with each token delta also batched for the GUI (finished
        candidates reach it as the pipeline's CandidateArrived)."""
        for event in stream:
            if isinstance(event, TokenDelta):
                self.add(event)
            yield event
        self.streaming = False
        self.flush()  # the last tokens and candidates, which would otherwise wait for a verdict


def gpu_stats(device: str) -> DeviceStats | None:
    if not device.startswith("cuda"):
        return None
    import torch

    try:
        free, total = torch.cuda.mem_get_info(device)
    except RuntimeError:  # a driver that cannot say: the status bar shows nothing rather than fail the run
        return None
    try:
        utilisation = torch.cuda.utilization(device)
    except Exception:  # noqa: BLE001 - needs the optional pynvml package
        utilisation = None
    return DeviceStats(total - free, total, utilisation)


def _piped(
    batches: _Batches,
    stream: Iterable[TokenDelta | CandidateDone],
    pool: SandboxPool | None,
    command: Generate | RunTests,
    cancel: threading.Event,
) -> None:
    try:
        for event in run_pipeline(batches.deltas_of(stream), pool, command.harness, cancel):
            if isinstance(event, CandidateArrived | VerdictArrived):
                batches.add(event)
    finally:
        batches.flush()  # what arrived before a failure is the user's, and is shown


def generate(
    send: Send, engine: Any, pool: Callable[[], SandboxPool | None], command: Generate, cancel: threading.Event
) -> None:
    """Runs `command` to its end: replies RunEvents, then Generated or GenerateFailed."""
    from core.user_error import UserError  # InvalidParams among them

    batches = _Batches(send, command.run_id, engine.info.device)
    try:
        stream = engine.stream(command.prompt, command.params, cancel)
        _piped(batches, stream, pool() if command.harness is not None else None, command, cancel)
    except GenerationOOM as exc:
        send(GenerateFailed(command.run_id, f"Out of memory: {exc}"))
    except UserError as exc:
        send(GenerateFailed(command.run_id, str(exc)))
    except Exception as exc:  # noqa: BLE001 - any other failure still has to reach the user
        send(GenerateFailed(command.run_id, f"{type(exc).__name__}: {exc}"))
    else:
        send(Generated(command.run_id))


def run_tests(send: Send, pool: Callable[[], SandboxPool | None], command: RunTests) -> None:
    """Verdicts for candidates already written: RunEvents, then RunTestsDone."""
    batches = _Batches(send, command.run_id, "cpu")
    replayed = (CandidateDone(c) for c in command.candidates)
    try:
        _piped(batches, replayed, pool(), command, threading.Event())
    except Exception as exc:  # noqa: BLE001 - the model and the other runs must outlive one bad run
        send(RunTestsDone(command.run_id, f"{type(exc).__name__}: {exc}"))
    else:  # a candidate without a verdict by now stays untested, and the GUI says so
        send(RunTestsDone(command.run_id))
