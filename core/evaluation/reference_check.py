"""Each problem's own solution, run once in the sandbox before any model time. A problem whose
`canonical_solution` fails there says nothing about the model: its solution returns or takes a
value that cannot cross the sandbox's process boundary (an instance of a class only the tests
define), or its tests need what the sandbox refuses. 8 of 28 held-out problems were such before
the sandbox carried more kinds of value, and each read as the model's failure (held-out problems
probe, 2026-12-05)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from core.displayable import one_line
from core.evaluation.passk import mean_pass_at_k
from core.evaluation.summary_keys import pass_at_k_name, temperature_label
from sandbox import Program, as_finished, submit_or_refuse

if TYPE_CHECKING:
    from core.evaluation.problems import Problem
    from sandbox import SandboxPool

# Characters of a failing solution's message a warning quotes.
_MESSAGE_CHARS = 160
_STATUS_WORDS = {"fail": "an assert of its tests failed", "timeout": "it ran out of time"}
_EXPLAINED = 5  # problems whose reasons a warning gives; the rest it names


def failing_solutions(pool: SandboxPool, problems: Mapping[str, Problem], timeout_s: float) -> dict[str, str]:
    """Why each problem's canonical solution fails its own tests in the sandbox, by task_id; the
    problems without one, or whose solution passes, are left out."""
    runs = {
        submit_or_refuse(pool, Program.from_problem(problem, problem["canonical_solution"]), timeout_s): task_id
        for task_id, problem in problems.items()
        if isinstance(problem.get("canonical_solution"), str)
    }
    failing = {}
    for batch in as_finished(runs):
        for run in batch:
            result = run.result()
            if not result.passed:
                why = result.human_eval_result.removeprefix("failed:").strip() or _STATUS_WORDS.get(result.status)
                failing[runs[run]] = one_line(why or result.status, _MESSAGE_CHARS)
    return {task_id: failing[task_id] for task_id in problems if task_id in failing}


def warning(failing: Mapping[str, str]) -> str:
    """The warning a run of these problems prints before the model loads: every such problem, with
    why for the first few."""
    named = [f"{task_id} ({why})" if i < _EXPLAINED else task_id for i, (task_id, why) in enumerate(failing.items())]
    return (
        f"warning: the reference solutions of {len(failing)} problem(s) fail in the sandbox, so their pass rates say"
        f" nothing about the model: {'; '.join(named)}"
    )


def note(summary: dict[str, Any], failing: Mapping[str, str]) -> None:
    """Records in a run's summary which problems' own solutions fail in the sandbox, and pass@k
    over the other problems: the figure that speaks of the model."""
    summary["reference_failures"] = dict(failing)
    if not failing:
        return
    counts: dict[str, list[tuple[int, int]]] = {}  # per temperature, (n, passed) of each other problem
    for row in summary["per_problem"]:
        if row["task_id"] not in failing:
            counts.setdefault(temperature_label(row["temperature"]), []).append((row["n"], row["passed"]))
    summary["pass_at_k_passing_references"] = {
        label: {pass_at_k_name(k): mean_pass_at_k(rows, k) for k in summary["ks"]} for label, rows in counts.items()
    }
