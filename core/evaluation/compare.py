"""Runs side by side: 2 to 4 runs of a prompt (or of a problem set) under other parameters or
another model, reduced to what a presenter shows: the parameters that differ, pass@k, distinct
programs, the mean log-probs of passing and failing candidates, each run's best candidate and a
diff of any two candidates. Qt-free, shared by `codesynth compare` and the app's Compare tab.

Where the runs come from (eval directories, saved sessions) is core.evaluation.compare_sources; a RunRecord
holds its candidates' text, so a comparison saved with a session needs none of its sources again.
"""

from __future__ import annotations

import difflib
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.evaluation.passk import mean_pass_at_k
from core.evaluation.sweep import curve_ks
from core.ranking.order import best_first_key, program_key
from core.user_error import UserError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIN_RUNS, MAX_RUNS = 2, 4
SOURCES = {"eval": "eval run", "workbench": "Workbench run", "sweep": "Sampling lab sweep"}
# The sampling parameters a run is described by; a source that does not record one gives None.
PARAMS = ("n", "temperature", "top_p", "top_k", "max_new_tokens", "mode", "seed")
TABLE_KS = (1, 10, 100)  # with each run's own n, as far as the runs' n allow
LETTERS = "ABCD"


@dataclass(frozen=True)
class Sample:
    task_id: str
    index: int
    completion: str
    mean_logprob: float | None  # None: the candidate has no tokens
    passed: bool | None  # None: untested (no tests, or the run stopped first)

    @property
    def name(self) -> str:
        return f"{self.task_id} #{self.index}"


@dataclass(frozen=True)
class RunRecord:
    label: str
    source: str  # a key of SOURCES
    origin: str  # where it was read from, as `codesynth compare` takes it: DIR@T or SESSIONS#ID@T
    model: str
    problems: tuple[str, ...]  # task ids, or the prompt's function
    prompt: str  # the prompt of a one-problem run; "" for an eval run (its problems name them)
    params: Mapping[str, Any] = field(default_factory=dict)  # PARAMS, None where unknown
    samples: tuple[Sample, ...] = ()

    def to_json(self) -> dict[str, Any]:  # a JSON document
        # By hand: dataclasses.asdict deep-copies every sample, 20 ms for 4 runs of 100 (a GUI stall).
        return {
            "label": self.label,
            "source": self.source,
            "origin": self.origin,
            "model": self.model,
            "problems": list(self.problems),
            "prompt": self.prompt,
            "params": dict(self.params),
            "samples": [
                {
                    "task_id": s.task_id,
                    "index": s.index,
                    "completion": s.completion,
                    "mean_logprob": s.mean_logprob,
                    "passed": s.passed,
                }
                for s in self.samples
            ],
        }

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> RunRecord:  # a decoded JSON document
        return cls(
            row["label"],
            row["source"],
            row["origin"],
            row["model"],
            tuple(row["problems"]),
            row["prompt"],
            {name: row["params"].get(name) for name in PARAMS},
            tuple(Sample(**s) for s in row["samples"]),
        )


@dataclass(frozen=True)
class RunStats:
    tested: int
    passed: int
    n: int  # pass@k is known up to this k: the fewest tested samples of any of the run's problems
    pass_at_k: Mapping[int, float]  # k -> pass@k averaged over problems, every k of curve_ks(n)
    distinct: int  # distinct programs, summed over problems as `codesynth eval` counts them
    distinct_passing: int
    passing_logprobs: tuple[float, ...]
    failing_logprobs: tuple[float, ...]
    untested_logprobs: tuple[float, ...]
    best: Sample | None  # the highest mean log-prob among the focus problem's candidates


@dataclass(frozen=True)
class Comparison:
    runs: tuple[RunRecord, ...]
    stats: tuple[RunStats, ...]
    focus: str  # the problem whose candidates the best ones and diffs are taken from
    differing: tuple[tuple[str, tuple[str, ...]], ...]  # (what, its value in each run)
    common: tuple[tuple[str, str], ...]  # (what, the value every run shares)
    ks: tuple[int, ...]  # the k of the table

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(f"{letter}: {run.label}" for letter, run in zip(LETTERS, self.runs))


def check_count(count: int) -> None:
    if not MIN_RUNS <= count <= MAX_RUNS:
        raise UserError(f"Compare takes {MIN_RUNS} to {MAX_RUNS} runs; {count} given.")


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _described(run: RunRecord) -> dict[str, str]:
    return {
        "source": SOURCES.get(run.source, run.source),
        "model": run.model or "—",
        "problems": ", ".join(run.problems) if len(run.problems) <= 3 else f"{len(run.problems)} problems",
        **{name: _value(run.params.get(name)) for name in PARAMS},
    }


def _stats(run: RunRecord, focus: str) -> RunStats:
    by_task: dict[str, list[Sample]] = {}
    for sample in run.samples:
        by_task.setdefault(sample.task_id, []).append(sample)
    tested = [[s for s in samples if s.passed is not None] for samples in by_task.values()]
    n = min((len(t) for t in tested), default=0)
    counts = [(len(t), sum(bool(s.passed) for s in t)) for t in tested]
    pass_at_k = {k: mean_pass_at_k(counts, k) for k in curve_ks(n)} if n else {}
    scored = [
        (s.mean_logprob, s.passed) for s in run.samples if s.mean_logprob is not None and math.isfinite(s.mean_logprob)
    ]
    in_focus = [s for s in by_task.get(focus, []) if s.mean_logprob is not None]
    return RunStats(
        tested=sum(len(t) for t in tested),
        passed=sum(c for _, c in counts),
        n=n,
        pass_at_k=pass_at_k,
        distinct=sum(len({program_key(s.completion) for s in samples}) for samples in by_task.values()),
        distinct_passing=sum(
            len({program_key(s.completion) for s in samples if s.passed}) for samples in by_task.values()
        ),
        passing_logprobs=tuple(lp for lp, passed in scored if passed is True),
        failing_logprobs=tuple(lp for lp, passed in scored if passed is False),
        untested_logprobs=tuple(lp for lp, passed in scored if passed is None),
        best=max(in_focus, key=lambda s: (s.mean_logprob, -s.index), default=None),
    )


def compare(runs: Sequence[RunRecord], focus: str | None = None) -> Comparison:
    """The comparison of `runs` (2 to 4). `focus`: the problem whose best candidates are shown;
    by default the first one every run has (else the first run's first)."""
    check_count(len(runs))
    if focus is None:
        shared = [task for task in runs[0].problems if all(task in run.problems for run in runs[1:])]
        focus = (shared or list(runs[0].problems) or [""])[0]
    described = [_described(run) for run in runs]
    differing, common = [], []
    for name in described[0]:
        values = tuple(d[name] for d in described)
        if len(set(values)) > 1:
            differing.append((name, values))
        else:
            common.append((name, values[0]))
    stats = tuple(_stats(run, focus) for run in runs)
    largest_n = max(s.n for s in stats)
    ks = tuple(sorted({k for k in TABLE_KS if k <= largest_n} | {s.n for s in stats if s.n}))
    return Comparison(tuple(runs), stats, focus, tuple(differing), tuple(common), ks)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _median(values: Sequence[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return f"{value:.3f}"


def _best_text(best: Sample | None) -> str:
    if best is None:
        return "—"
    verdict = {True: "passes", False: "fails", None: "untested"}[best.passed]
    return f"#{best.index} ({best.mean_logprob:.3f}, {verdict})"


def table(comparison: Comparison) -> list[tuple[str, ...]]:
    """The rows of the table the CLI prints and the app shows: a label, then one cell per run."""
    rows: list[tuple[str, ...]] = [(name, *values) for name, values in comparison.differing]
    for k in comparison.ks:
        rows.append((f"pass@{k}", *(_percent(s.pass_at_k.get(k)) for s in comparison.stats)))
    rows.append(("passed / tested", *(f"{s.passed} / {s.tested}" for s in comparison.stats)))
    rows.append(("distinct programs (passing)", *(f"{s.distinct} ({s.distinct_passing})" for s in comparison.stats)))
    rows.append(("median mean log-prob, passing", *(_median(s.passing_logprobs) for s in comparison.stats)))
    rows.append(("median mean log-prob, failing", *(_median(s.failing_logprobs) for s in comparison.stats)))
    rows.append((f"best of {comparison.focus}", *(_best_text(s.best) for s in comparison.stats)))
    return rows


def format_table(comparison: Comparison) -> str:
    """The table as aligned plain text, with the runs' names above and what they share below."""
    header = ("", *LETTERS[: len(comparison.runs)])
    rows = [header, *table(comparison)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        *comparison.headers,
        *(
            "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            for row in rows
        ),
    ]
    if comparison.common:
        lines.append("same in every run: " + ", ".join(f"{name} {value}" for name, value in comparison.common))
    return "\n".join(lines)


def focus_candidates(comparison: Comparison, run: int) -> list[Sample]:
    """Run `run`'s candidates of the focus problem, best mean log-prob first."""
    samples = [s for s in comparison.runs[run].samples if s.task_id == comparison.focus]
    return sorted(samples, key=lambda s: best_first_key(s.mean_logprob, s.index))


def pick(comparison: Comparison, name: str) -> Sample:
    """The candidate named like "A#3": run A's candidate 3 of the focus problem."""
    letters = LETTERS[: len(comparison.runs)]
    letter, _, index = name.upper().partition("#")
    if len(letter) != 1 or letter not in letters or not index.isdigit():
        raise UserError(
            f"“{name}” names no candidate: write a run's letter ({', '.join(letters)}), # and a "
            "candidate's index, like A#0."
        )
    run = letters.index(letter)
    found = [s for s in comparison.runs[run].samples if s.task_id == comparison.focus and s.index == int(index)]
    if not found:
        raise UserError(f"Run {letter} has no candidate {index} of {comparison.focus}.")
    return found[0]


def diff(a: Sample, b: Sample, a_label: str = "a", b_label: str = "b") -> str:
    """A unified diff of two candidates' completions ('' when they are the same program)."""
    if program_key(a.completion) == program_key(b.completion):
        return ""
    return "".join(
        difflib.unified_diff(
            a.completion.splitlines(keepends=True),
            b.completion.splitlines(keepends=True),
            f"{a_label} {a.name}",
            f"{b_label} {b.name}",
        )
    )


def figure(comparison: Comparison) -> Figure:
    """Mean log-probs of passing and failing candidates, one strip per run, beside pass@k against k."""
    # Imported here: the window imports this module for the table, and the figure (numpy,
    # matplotlib) is drawn in a helper process (desktop_app.figure_drawer).
    from core.evaluation import plots

    return plots.compare_runs(
        LETTERS[: len(comparison.runs)],
        comparison.headers,
        [
            {"passing": s.passing_logprobs, "failing": s.failing_logprobs, "untested": s.untested_logprobs}
            for s in comparison.stats
        ],
        [s.pass_at_k for s in comparison.stats],
    )


def render_png(comparison: Comparison, dark: bool = False, dpi: int = 120, text_scale: float = 1.0) -> bytes:
    """The figure as PNG, in matplotlib's dark style for a dark window, its text `text_scale` times
    the usual size (presentation mode)."""
    from core.evaluation import plots

    buf = io.BytesIO()
    with plots.styled(dark, text_scale):
        figure(comparison).savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
