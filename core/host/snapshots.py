"""What the engine host's jobs send the GUI, as frozen dataclasses: a Docstrings or Examples
snapshot holds the job's whole state (the GUI shows the latest), a SweepUpdate only what changed
since the last one (the GUI adds it to its own core.evaluation.sweep.Sweep). The GUI imports this module and
never core.host.jobs (an import contract in pyproject.toml). The tabs keep snapshots in their
session documents through to_json and from_json."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from core.evaluation.sweep import LabSample
from core.modes.examples import all_right


@runtime_checkable
class Delta(Protocol):
    """An update holding only what changed: consecutive ones are merged, never dropped."""

    def merged(self, later: Any) -> Delta:
        """This update followed by `later`, of the same type, as one."""
        ...


@dataclass(frozen=True)
class SweepUpdate:
    """Samples drawn or tested since the last update (a tested sample comes again, with its
    verdict), and the figures redrawn since, as PNG by name (core.evaluation.sweep_figures.PLOTS)."""

    temperatures: tuple[float, ...]
    n: int
    samples: tuple[LabSample, ...] = ()
    figures: Mapping[str, bytes] = field(default_factory=dict)

    def merged(self, later: SweepUpdate) -> SweepUpdate:
        latest = {s.key: s for s in (*self.samples, *later.samples)}  # a verdict replaces its sample
        return replace(later, samples=tuple(latest.values()), figures={**self.figures, **later.figures})


# -- Docstrings -------------------------------------------------------------------------------------

# What a docstring's back-translation column holds.
PENDING, SCORED, STOPPED = "pending", "scored", "stopped"
COPIES_CODE, NO_INPUTS, OFF = "copies code", "no inputs", "off"  # never back-translated


@dataclass(frozen=True)
class DocstringRow:
    text: str
    mean_logprob: float | None  # None when it is not finite
    copies_code: bool
    score: float | None  # the back-translation pass rate, once SCORED
    status: str  # PENDING, SCORED, STOPPED, COPIES_CODE, NO_INPUTS or OFF


@dataclass(frozen=True)
class DocstringsSnapshot:
    function: str
    inputs: tuple[str, ...]  # argument lists of the example calls the back-translations are run on
    samples: int  # programs written back from each docstring; 0 is off
    state: str  # generating, scoring, done or stopped
    docstrings: tuple[DocstringRow, ...]  # best first

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocstringsSnapshot:
        return cls(
            data["function"],
            tuple(data["inputs"]),
            data["samples"],
            data["state"],
            tuple(DocstringRow(**row) for row in data["docstrings"]),
        )


# -- From examples ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExampleCandidate:
    index: int
    completion: str
    finish_reason: str
    mean_logprob: float | None
    degenerate: str | None  # why it is not an attempt (core.ranking.degenerate)
    warnings: tuple[str, ...]
    verdicts: tuple[str | None, ...] | None = None  # per example: None when right, else what went wrong
    explanation: str | None = None  # the verdicts in one sentence
    # Candidates behaving alike beyond the examples, itself included, as ranking counts them: 0 for
    # one that only repeats the rows (core.ranking.examine.Examination.support).
    cluster: int | None = None
    revises: int | None = None  # written to correct this candidate's wrong examples (core.modes.revision)

    @property
    def all_right(self) -> bool:
        return all_right(self.verdicts, self.degenerate)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExampleCandidate:
        verdicts = data.get("verdicts")
        return cls(
            data["index"],
            data["completion"],
            data["finish_reason"],
            data["mean_logprob"],
            data.get("degenerate"),
            tuple(data.get("warnings", ())),
            None if verdicts is None else tuple(verdicts),
            data.get("explanation"),
            data.get("cluster"),
            data.get("revises"),
        )


@dataclass(frozen=True)
class Answer:
    text: str
    count: int
    candidates: tuple[int, ...]  # the indices of the candidates that give it


@dataclass(frozen=True)
class Question:
    """An input the candidates right on every example disagree on (core.ranking.behaviour.Question)."""

    args: str
    sentence: str
    answers: tuple[Answer, ...]

    @property
    def confirms(self) -> bool:
        """One answer: the candidates agree on a one-row table, and their answer is put to the user."""
        return len(self.answers) == 1

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        answers = (Answer(a["text"], a["count"], tuple(a["candidates"])) for a in data["answers"])
        return cls(data["args"], data["sentence"], tuple(answers))


@dataclass(frozen=True)
class ExamplesSnapshot:
    prompt: str
    name: str
    examples: int
    n: int
    state: str  # generating, testing, revising, generalising, checking, done or stopped
    candidates: tuple[ExampleCandidate, ...]  # best first
    inputs: int | None = None  # once checked: the inputs tried beyond the examples
    question: Question | None = None  # once checked, when the candidates disagree
    note: str | None = None  # why the model's corrections did not come (core.modes.revision.RevisionFailed)
    # Once checked: the candidates right on every example may only repeat them (core.modes.examples.ONLY_ROWS).
    only_rows: bool = False
    # Once checked, when they agree where they answer: an input where some raise or hang instead.
    differs_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExamplesSnapshot:
        question = data.get("question")
        return cls(
            data["prompt"],
            data["name"],
            data["examples"],
            data["n"],
            data["state"],
            tuple(ExampleCandidate.from_json(c) for c in data["candidates"]),
            data.get("inputs"),
            None if question is None else Question.from_json(question),
            data.get("note"),
            data.get("only_rows", False),
            data.get("differs_at"),
        )


# -- Workbench rankers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BackTranslationScores:
    """The back-translation log-prob of each candidate scored so far, by candidate index."""

    scores: Mapping[int, float]


@dataclass(frozen=True)
class Examination:
    """The behaviour rankers' result for a run's finished candidates (core.ranking.examine). `done` is
    False when Stop came first: then nothing else is filled, since clusters of candidates that
    were not all run would be guesses."""

    done: bool
    model_tests: bool  # whether the model was asked for tests (the agreement ranker)
    inputs: int = 0  # how many inputs every candidate ran on
    tests: int = 0  # model-written tests kept
    dropped: int = 0  # model-written tests that were unusable
    clusters: Mapping[int, int] = field(default_factory=dict)  # candidate index -> its cluster's size
    agreement: Mapping[int, float] | None = None  # candidate index -> CodeT score; None without tests
    unavailable: str | None = None  # why the model's tests could not be had
