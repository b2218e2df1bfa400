"""Every message that crosses the engine host's pipe, once, as frozen dataclasses.

The GUI (desktop_app.engine_client) sends commands; the host (core.host.serve) answers with
replies. Both sides match on these types, so a message is defined in one place and a field read on
one side is a field written on the other. Everything here pickles: the pipe is a
multiprocessing Connection.

A Workbench run is one `Generate`: the host streams the model's tokens and runs core.pipeline on
them with its own sandbox pool (the app's only one), so the GUI receives `RunEvents` (token deltas,
finished candidates and verdicts, in the order they happened) and then one `Generated` or
`GenerateFailed`. `RunTests` asks for verdicts of candidates already written (a run reopened from the
session store) and ends with `RunTestsDone`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.pipeline import CandidateArrived, Harness, VerdictArrived
from core.sampling.candidate import Candidate, TokenDelta

if TYPE_CHECKING:  # only named in annotations
    from core.models.info import ModelInfo
    from core.sampling.params import SamplingParams

# --- commands: GUI -> host ---------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    spec: str  # a catalogue name, a folder, a GGUF file or a server URL (core.sampling.open_backend.open_backend)
    served_model: str | None = None


@dataclass(frozen=True)
class Generate:
    """Sample `params.n` candidates for `prompt`; test each against `harness` (None: no tests)."""

    run_id: int
    prompt: str
    params: SamplingParams
    harness: Harness | None


@dataclass(frozen=True)
class RunTests:
    """Test candidates already written (no model needed)."""

    run_id: int
    candidates: tuple[Candidate, ...]
    harness: Harness


@dataclass(frozen=True)
class AskNextTokenLogits:
    """The raw logits at one position: `written_ids` teacher-forced after `prompt`."""

    key: tuple[Any, ...]  # the asker's name for the position, given back in the answer
    prompt: str
    written_ids: tuple[int, ...]
    mode: str
    show: int  # how many of the likeliest tokens to decode


@dataclass(frozen=True)
class Probe:
    """The model bar's connection test: connect to a server without replacing the model."""

    url: str
    served_model: str | None = None


@dataclass(frozen=True)
class StartJob:
    name: str  # one of core.host.jobs.JOBS
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Quit:
    pass


Command = Load | Generate | RunTests | AskNextTokenLogits | Probe | StartJob | Quit

# --- replies: host -> GUI ----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    text: str  # a step of a model load


@dataclass(frozen=True)
class Loaded:
    info: ModelInfo


@dataclass(frozen=True)
class LoadFailed:
    message: str


@dataclass(frozen=True)
class SandboxReady:
    layers: dict[str, Any]  # the pool's active isolation layers (sandbox.layers)


@dataclass(frozen=True)
class SandboxUnavailable:
    reason: str


RunEvent = TokenDelta | CandidateArrived | VerdictArrived


@dataclass(frozen=True)
class RunEvents:
    """A batch of one run's events (at most one batch per core.host.runs.BATCH_S)."""

    run_id: int
    events: tuple[RunEvent, ...]


@dataclass(frozen=True)
class Generated:
    """Generation and its tests ended: a candidate with no verdict by now will not get one (Stop
    came first, or the sandbox is unavailable)."""

    run_id: int


@dataclass(frozen=True)
class GenerateFailed:
    run_id: int
    message: str


@dataclass(frozen=True)
class RunTestsDone:
    """A `RunTests` ended, as Generated; `problem`: why it failed, when it did."""

    run_id: int
    problem: str = ""


@dataclass(frozen=True)
class NextTokenLogits:
    """The raw logits the sampler saw at one position of a candidate (desktop_app.distribution_view)."""

    key: tuple[Any, ...]
    logits: bytes | None  # float32, one per vocabulary entry; None when they cannot be had
    pieces: dict[int, str] | None = None  # the likeliest tokens, decoded: the GUI has no tokenizer
    problem: str = ""  # why not, in one sentence


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str  # what was found, or what went wrong


@dataclass(frozen=True)
class DeviceStats:
    used_bytes: int
    total_bytes: int
    utilisation: int | None  # percent; None without the optional pynvml package


@dataclass(frozen=True)
class JobUpdate:
    update: Any  # what core.host.jobs.updates yields (core.host.snapshots)


@dataclass(frozen=True)
class JobDone:
    pass


@dataclass(frozen=True)
class JobFailed:
    message: str


Reply = (
    Progress
    | Loaded
    | LoadFailed
    | SandboxReady
    | SandboxUnavailable
    | RunEvents
    | Generated
    | GenerateFailed
    | RunTestsDone
    | NextTokenLogits
    | ProbeResult
    | DeviceStats
    | JobUpdate
    | JobDone
    | JobFailed
)
