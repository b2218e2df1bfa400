"""The sampling lab: a temperature sweep on one problem, summarized live with the same estimators
and figures as `codesynth eval` and `codesynth report` (core.evaluation.passk, core.ranking.curves, core.evaluation.plots)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import TYPE_CHECKING, Any

from core.evaluation.passk import pass_at_k
from core.evaluation.summary_keys import pass_at_k_name, temperature_label
from core.ranking.curves import HEURISTICS, heuristic_scores, top1_curve
from core.ranking.order import program_key
from core.sampling.candidate import CandidateDone, TokenDelta, reindexed
from core.sampling.params import SamplingParams

if TYPE_CHECKING:
    from core.sampling.open_backend import Backend
    from sandbox import SandboxPool

# A sweep for a talk: five temperatures, ten samples each; about a minute on 2 CPU cores.
DEMO = {"temperatures": (0.2, 0.4, 0.6, 0.8, 1.0), "n": 10, "max_new_tokens": 96}
MAX_TEMPERATURE = 2.0


def parse_temperatures(text: str) -> tuple[float, ...]:
    """The temperatures of a comma-separated list, or ValueError with a message for the user."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError("Enter at least one temperature, separated by commas: e.g. 0.2, 0.6, 1.0.")
    temperatures = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"Temperatures: “{part}” is not a number; write them like 0.2, 0.6, 1.0.") from None
        if not 0 <= value <= MAX_TEMPERATURE:
            raise ValueError(f"Temperatures must be between 0 and {MAX_TEMPERATURE:g}; {part} is not.")
        if value in temperatures:
            raise ValueError(f"Temperatures: {value:g} is listed twice.")
        temperatures.append(value)
    return tuple(temperatures)


def curve_ks(n: int) -> tuple[int, ...]:
    """The k of a pass@k curve up to n: every k up to 20, about 20 log-spaced ones beyond."""
    if n <= 20:
        return tuple(range(1, n + 1))
    return tuple(sorted({round(n ** (i / 19)) for i in range(20)}))


@dataclass(frozen=True)
class LabSample:
    """One sample of a sweep: a fact, sent as it is drawn and again, with its verdict, once tested."""

    temperature: float
    index: int
    completion: str
    mean_logprob: float | None
    sum_logprob: float
    passed: bool | None = None  # None until the sandbox answers
    result: str = ""

    @property
    def key(self) -> tuple[float, int]:
        return self.temperature, self.index


@dataclass(frozen=True)
class TemperatureRow:
    """The lab's table row for one temperature; pass@k is None until k samples are tested."""

    temperature: float
    sampled: int
    tested: int
    passed: int
    pass_at_1: float | None
    pass_at_n: float | None
    distinct: int
    distinct_passing: int


@dataclass
class Sweep:
    """The samples of a sweep so far, from which every table, figure and CSV is derived."""

    temperatures: tuple[float, ...]
    n: int
    samples: list[LabSample] = field(default_factory=list)
    _positions: dict[tuple[float, int], int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._positions = {s.key: i for i, s in enumerate(self.samples)}

    def record(self, sample: LabSample) -> None:
        """A new sample, or a known one again with its verdict."""
        position = self._positions.setdefault(sample.key, len(self.samples))
        if position == len(self.samples):
            self.samples.append(sample)
        else:
            self.samples[position] = sample

    def at(self, temperature: float) -> list[LabSample]:
        return [s for s in self.samples if s.temperature == temperature]

    @property
    def total(self) -> int:
        return self.n * len(self.temperatures)

    @property
    def tested(self) -> int:
        return sum(s.passed is not None for s in self.samples)

    @property
    def done(self) -> bool:
        return len(self.samples) == self.total and self.tested == self.total

    def table(self) -> list[TemperatureRow]:
        """One row per temperature: cheap enough to recompute at every update (no ranking curves)."""
        rows = []
        for t in self.temperatures:
            samples = self.at(t)
            tested = [bool(s.passed) for s in samples if s.passed is not None]
            rows.append(
                TemperatureRow(
                    t,
                    len(samples),
                    len(tested),
                    sum(tested),
                    pass_at_k(len(tested), sum(tested), 1) if tested else None,
                    pass_at_k(len(tested), sum(tested), self.n) if len(tested) >= self.n else None,
                    len({program_key(s.completion) for s in samples}),
                    len({program_key(s.completion) for s in samples if s.passed}),
                )
            )
        return rows

    def summary(self, ks: tuple[int, ...] | None = None) -> dict[str, Any]:
        """What the plots show, from the samples tested so far, keyed as every summary is
        (core.evaluation.summary_keys); pass@k for `ks` (default: curve_ks(n)). Distinct programs count every
        sample, as `codesynth eval` does, and the passing ones."""
        ks = curve_ks(self.n) if ks is None else ks
        out: dict[str, Any] = {
            "pass_at_k": {},
            "distinct_programs": {},
            "ranking": {},
            "logprobs": {"passing": [], "failing": []},
        }
        for t, row in zip(self.temperatures, self.table()):
            label = temperature_label(t)
            out["distinct_programs"][label] = {
                "samples": row.sampled,
                "distinct": row.distinct,
                "distinct_passing": row.distinct_passing,
            }
            tested = [s for s in self.at(t) if s.passed is not None]
            if not tested:
                continue
            passed = [bool(s.passed) for s in tested]  # never None once tested
            c = sum(passed)
            out["pass_at_k"][label] = {pass_at_k_name(k): pass_at_k(len(tested), c, k) for k in ks if k <= len(tested)}
            rows = [{"mean_logprob": s.mean_logprob, "sum_logprob": s.sum_logprob} for s in tested]
            out["ranking"][label] = {
                h: top1_curve(scores, passed).tolist()
                for h in HEURISTICS
                if (scores := heuristic_scores(rows, passed, h)) is not None
            }
            for s in tested:
                if s.mean_logprob is not None:
                    out["logprobs"]["passing" if s.passed else "failing"].append(s.mean_logprob)
        return out

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["temperature", "index", "mean_logprob", "sum_logprob", "passed", "result", "completion"])
        for s in sorted(self.samples, key=lambda s: (s.temperature, s.index)):
            writer.writerow([s.temperature, s.index, s.mean_logprob, s.sum_logprob, s.passed, s.result, s.completion])
        return buf.getvalue()

    def to_json(self) -> dict[str, Any]:
        """The facts of the sweep, as the session store keeps them."""
        return {"temperatures": list(self.temperatures), "n": self.n, "samples": [asdict(s) for s in self.samples]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sweep:
        """A sweep from to_json's document (or an older one holding more: only the facts are read)."""
        fields = {f.name for f in dataclass_fields(LabSample)}
        samples = [LabSample(**{k: v for k, v in s.items() if k in fields}) for s in data["samples"]]
        return cls(tuple(float(t) for t in data["temperatures"]), int(data["n"]), samples)


def run_sweep(
    engine: Backend,
    pool: SandboxPool,
    prompt: str,
    tests: str,
    entry_point: str,
    temperatures: tuple[float, ...],
    n: int,
    params: SamplingParams,
    cancel: threading.Event | None = None,
) -> Iterator[LabSample]:
    """Yield each sample as it is drawn, and again with its verdict once tested (collect them with
    Sweep.record). One pipeline (core.pipeline) takes every temperature's candidates, so the
    sandbox tests one temperature's candidates while the engine samples the next; each sample is
    run on its own, as pass@k assumes. After `cancel`, the runs still queued are cancelled and
    their samples stay untested."""
    from core.pipeline import CandidateArrived, Harness, VerdictArrived, run_pipeline

    params = replace(params, n=n, top_alternatives=0)  # the lab shows no token's alternatives: not worth computing

    def candidates() -> Iterator[TokenDelta | CandidateDone]:
        # Sample i of the k-th temperature is candidate k * n + i of the one pipeline.
        for k, temperature in enumerate(temperatures):
            if cancel is not None and cancel.is_set():
                return
            for event in engine.stream(prompt, replace(params, temperature=temperature), cancel):
                yield reindexed(event, list(range(k * n, (k + 1) * n)))

    drawn: dict[int, LabSample] = {}
    for event in run_pipeline(candidates(), pool, Harness(prompt, tests, entry_point), cancel, share_verdicts=False):
        if isinstance(event, CandidateArrived):
            c = event.candidate
            drawn[c.index] = LabSample(
                temperatures[c.index // n], c.index % n, c.text, c.mean_logprob if c.token_ids else None, c.sum_logprob
            )
            yield drawn[c.index]
        elif isinstance(event, VerdictArrived):
            result = event.result
            yield replace(drawn[event.index], passed=result.passed, result=result.human_eval_result)
