"""Examining candidates by running them (issue 21): the one driver the CLI, eval and the app use to
get inputs, model-written tests and each candidate's behaviour, in that order.

Steps, each usable on its own by a caller that schedules them itself (the app runs them in the
background after the first verdicts):
  1. `write_tests`: the model writes asserts (core.ranking.generated_tests);
  2. `gather_inputs`: the prompt's and the user's calls, the example rows, the model's inputs and
     their neighbours (core.ranking.probe_inputs);
  3. one probe run per candidate in the sandbox (core.ranking.behaviour), then clusters and agreement.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.evaluation.jsonl import JsonObject
from core.evaluation.summary_keys import temperature_label
from core.modes.examples import Spec
from core.ranking import behaviour as bh
from core.ranking import generated_tests as gt
from core.ranking import probe_inputs as pi
from core.sampling.params import InvalidParams
from sandbox import as_finished, submit_or_refuse

if TYPE_CHECKING:
    from core.sampling.interface import Backend
    from sandbox import SandboxPool


# Numbers written in text answers ("25-34", "45+"), tried as inputs: at most this many.
_MOST_ANSWER_NUMBERS = 8
_WRITTEN_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


@dataclass(frozen=True)
class Examination:
    inputs: tuple[str, ...]
    tests: gt.GeneratedTests
    behaviours: tuple[bh.Behaviour | None, ...]  # per candidate; None where its run was stopped
    completions: tuple[str, ...] = ()  # per candidate, when known: a lookup shows in its code too

    @property
    def keys(self) -> list[str]:
        # A candidate without a behaviour (stopped) is a cluster of its own.
        return [b.key if b is not None else f"unknown-{i}" for i, b in enumerate(self.behaviours)]

    def cluster_sizes(self) -> list[int]:
        return bh.cluster_sizes(self.keys)

    def support(self, known: Sequence[str], right: Sequence[bool]) -> list[int]:
        """Cluster sizes for ranking candidates on a table of examples: 0 for a candidate right on
        every example (`right`) that does not generalise (`generalises`) where another right one
        does. Such a candidate may only repeat the rows it was shown (`if title == 'Hello World':
        return 'hello_world'`, else an error or one fixed answer), and its like repeat them together:
        no majority of theirs is evidence."""
        sizes = self.cluster_sizes()
        general = [self.generalises(b, known, c) for b, c in zip(self.behaviours, self._codes)]
        if not any(g for g, ok in zip(general, right) if ok):
            return sizes
        return [0 if ok and not g else size for size, g, ok in zip(sizes, general, right)]

    @property
    def _codes(self) -> Sequence[str | None]:
        return self.completions or [None] * len(self.behaviours)

    def generalises(self, behaviour: bh.Behaviour | None, known: Sequence[str], code: str | None = None) -> bool:
        """Whether `behaviour` looks like a rule rather than a lookup of the rows in `known` (the
        examples' inputs). A lookup answers nothing beyond them (errors only), or, where the rows
        all have different answers that are not true/false, one and the same answer everywhere
        else. A predicate may well answer False on every input tried (is_prime near 7 and 9), and
        so may a rule whose rows share answers: those are not called lookups. Nor is a function
        whose `code` does not write the examples' inputs (core.ranking.probe_inputs.written_in):
        the inputs tried near a date or a time are mostly not dates or times, so a real function
        may well raise on every one of them. A function whose code does write them is a lookup when
        it gives one answer or none beyond them, whatever its rows' answers (probe 5: a dict of five
        dates, two of them Thursdays, and "Invalid date" for every other date)."""
        writes_rows = None if code is None else pi.written_in(code, known)
        if writes_rows is False:
            return True
        if behaviour is None:
            return False
        shown: list[str] = []
        beyond: set[str] = set()
        for args, outcome in zip(self.inputs, behaviour.outcomes):
            if outcome.startswith("="):
                if args in known:
                    shown.append(outcome)
                else:
                    beyond.add(outcome)
        if not shown:
            return True  # nothing to tell by
        if not beyond:
            return False
        distinct = len(set(shown)) == len(shown) > 1 and not {"=True", "=False"} & set(shown)
        return len(beyond) >= 2 or not (distinct or writes_rows)

    def only_rows(self, known: Sequence[str], right: Sequence[bool]) -> bool:
        """Whether the candidates right on every example (`right`) all fail to generalise: then
        they may only repeat the table (core.modes.examples.ONLY_ROWS), and their agreeing elsewhere shows nothing."""
        chosen = [(b, c) for b, c, ok in zip(self.behaviours, self._codes, right) if ok]
        return bool(chosen) and not any(self.generalises(b, known, c) for b, c in chosen)

    def differs_at(self, right: Sequence[bool]) -> str | None:
        """The first input on which the candidates right on every example (`right`) behave
        differently: where no value-giving disagreement was found (core.ranking.behaviour.disagreement
        leaves errors and hangs out), one raises or hangs where another answers. None if nowhere."""
        chosen = [b for b, ok in zip(self.behaviours, right) if ok and b is not None]
        for i, args in enumerate(self.inputs):
            outcomes = {b.outcomes[i] for b in chosen if i < len(b.outcomes)}
            if len(outcomes) > 1 and any(not o.startswith("=") for o in outcomes):
                return args
        return None

    def agreement_scores(self) -> list[int] | None:
        """None when the model wrote no usable tests (see `tests.unavailable_reason`)."""
        if not self.tests.tests:
            return None
        passed = [b.n_tests_passed if b is not None else 0 for b in self.behaviours]
        return bh.agreement_scores(self.keys, passed)


def write_tests(
    backend: Backend, prompt: str, entry_point: str, seed: int | None = 0, cancel: threading.Event | None = None
) -> gt.GeneratedTests:
    """The model's tests for `prompt`; a backend that cannot take the request gives none."""
    try:
        samples = backend.generate(gt.tests_prompt(prompt, entry_point), gt.tests_params(seed), cancel)
    except InvalidParams:
        return gt.GeneratedTests((), 0)
    return gt.parse_tests([s.text for s in samples], entry_point, pi.arity(prompt, entry_point))


def gather_inputs(
    prompt: str,
    entry_point: str,
    user_tests: str | None = None,
    example_inputs: Sequence[pi.Args] = (),
    tests: gt.GeneratedTests | None = None,
    known: Sequence[str] = (),
) -> list[str]:
    seeds = [*pi.calls_in_text(prompt, [entry_point]), *example_inputs]
    if user_tests:
        seeds += pi.calls_in_text(user_tests, ["candidate", entry_point])
    proposed = [pi.parse_args(t.args) for t in tests.tests] if tests else []
    return pi.collect(seeds, proposed, pi.arity(prompt, entry_point), known=known)


def probe(
    pool: SandboxPool,
    prompt: str,
    entry_point: str,
    completions: Sequence[str],
    inputs: Sequence[str],
    tests: gt.GeneratedTests,
    cancel: threading.Event | None = None,
    skip: Sequence[bool] = (),
) -> list[bh.Behaviour | None]:
    """Each candidate's behaviour; None for those not run because `cancel` was set, and for those
    `skip` marks."""
    futures = {
        submit_or_refuse(pool, bh.probe_program(prompt, c, entry_point, inputs, tests.tests), bh.PROBE_TIMEOUT_S): i
        for i, c in enumerate(completions)
        if not (i < len(skip) and skip[i])
    }
    found: list[bh.Behaviour | None] = [None] * len(completions)
    for batch in as_finished(futures, cancel):
        for fut in batch:
            found[futures[fut]] = bh.read_behaviour(fut.result(), len(inputs), len(tests.tests))
    return found


def examine(
    backend: Backend,
    pool: SandboxPool,
    prompt: str,
    entry_point: str,
    completions: Sequence[str],
    *,
    user_tests: str | None = None,
    example_inputs: Sequence[pi.Args] = (),
    seed: int | None = 0,
    model_tests: bool = True,
    known: Sequence[str] = (),
    cancel: threading.Event | None = None,
    skip: Sequence[bool] = (),
    earlier: Examination | None = None,
) -> Examination:
    """All three steps. `model_tests=False` skips the model (clusters only; no agreement).
    `known`: inputs not worth trying beyond the examples (core.ranking.probe_inputs.collect).
    `skip`: candidates not to run (behaviour None). `earlier`: an examination of the same
    candidates, returned as it is when the model's tests add no test and no input to its own."""
    tests = write_tests(backend, prompt, entry_point, seed, cancel) if model_tests else gt.GeneratedTests((), 0)
    inputs = gather_inputs(prompt, entry_point, user_tests, example_inputs, tests, known)
    if earlier is not None and not tests.tests and tuple(inputs) == earlier.inputs:
        return earlier
    behaviours = probe(pool, prompt, entry_point, completions, inputs, tests, cancel, skip)
    return Examination(tuple(inputs), tests, tuple(behaviours), tuple(completions))


def rows_as_inputs(spec: Spec) -> list[str]:
    """The examples' inputs as the examination writes inputs (core.ranking.probe_inputs.render)."""
    return [k for k in map(pi.render, spec.args) if k is not None]


def examples_question(
    pool: SandboxPool,
    backend: Backend,
    spec: Spec,
    completions: Sequence[str],
    right: Sequence[bool],
    *,
    answered: Sequence[bool] = (),
    ask_model: bool = True,
    seed: int | None = 0,
    cancel: threading.Event | None = None,
) -> tuple[Examination, bh.Question | None]:
    """For a table of examples (core.modes.examples): every candidate's behaviour around the examples,
    and the question that separates the candidates getting every example right (`right`), if
    they disagree anywhere. The examples' neighbours come first (a second's work); only when they
    show no disagreement is the model asked for tests too (`ask_model`), which takes longer: their
    inputs may split the candidates, and a test expecting what no candidate returns is a reading of
    the examples that none of them took (then offered beside the candidates' answer). When all
    that shows nothing and the table has one row, the question confirms their shared answer on a
    telling input (core.ranking.behaviour.confirmation): one row fits many functions.
    `answered`: per candidate, whether it returned a value on some example; one that raised or hung
    on every example is not run again (it has no behaviour, a cluster of its own): a hanging one
    cost 5 s an input tried, twice (red-team round 8)."""
    # Seeds are the rows the prompt shows, and the other rows are not tried again: a large table's
    # rows would fill the inputs tried, leaving none beyond them to tell a rule from a lookup
    # (`Examination.generalises`) or to find a disagreement. The numbers text answers write are
    # seeds too (`_answer_numbers`).
    rows = [*spec.shown_args, *_answer_numbers(spec)]
    known = rows_as_inputs(spec)

    def examined(model_tests: bool, earlier: Examination | None) -> tuple[Examination, bh.Question | None]:
        exam = examine(
            backend,
            pool,
            spec.prompt,
            spec.name,
            completions,
            example_inputs=rows,
            seed=seed,
            model_tests=model_tests,
            known=known,
            cancel=cancel,
            skip=[not a for a in answered],
            earlier=earlier,
        )
        agreeing = [b if ok else None for b, ok in zip(exam.behaviours, right)]
        return exam, bh.disagreement(exam.inputs, agreeing, spec.decimals)

    exam, question = examined(False, None)
    if question is None and ask_model and any(right) and not (cancel is not None and cancel.is_set()):
        exam, question = examined(True, exam)
    if question is None and any(right) and not (cancel is not None and cancel.is_set()):
        agreeing = [b if ok else None for b, ok in zip(exam.behaviours, right)]
        columns = _column_kinds(spec)
        fitting = [t for t in exam.tests.tests if _fits(columns, t.args)]
        question = bh.dissent(exam.inputs, agreeing, fitting, known, spec.decimals)
        if question is None and len(spec.rows) == 1:
            question = bh.confirmation(exam.inputs, agreeing, known, spec.decimals)
    return exam, question


def _answer_numbers(spec: Spec) -> list[pi.Args]:
    """Inputs at the numbers that text answers write, put in each numeric input column of the first
    row: a table of bands answers '25-34', '45+' or 'Under 18', and a rule written from the rows
    alone may put 34 in the next band (probe 5: two right candidates did, and were said to agree)."""
    numbers = {
        float(found): None
        for _, expected in spec.rows
        if isinstance(expected.value, str)
        for found in _WRITTEN_NUMBER.findall(expected.value)
    }
    first = spec.args[0]
    seeds: list[pi.Args] = []
    for c, kind in enumerate(_column_kinds(spec)):
        if kind == {"number"}:
            for number in list(numbers)[:_MOST_ANSWER_NUMBERS]:
                value = int(number) if spec.param_types[c] == "int" and number.is_integer() else number
                seeds.append((*first[:c], value, *first[c + 1 :]))
    return seeds


def _column_kinds(spec: Spec) -> list[set[str]]:
    """The kinds of value each input column of a table holds (see `_kind`)."""
    return [{_kind(cells[c].value) for cells, _expected in spec.rows} for c in range(len(spec.params))]


def _fits(columns: Sequence[set[str]], args: str) -> bool:
    """Whether a model test's input holds in each place a value of a kind its table's column holds
    (whole and decimal numbers fit each other's columns): a test calling total(1, 2, 3) where the
    first column is text reads no example, and its answer is no question for the user."""
    try:
        values = pi.parse_args(args)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return False
    return len(values) == len(columns) and all(_kind(v) in kinds for v, kinds in zip(values, columns))


def _kind(value: object) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


def cost_summary(
    temperatures: Sequence[float], examinations: Sequence[JsonObject], behaviours: Iterable[JsonObject]
) -> dict[str, JsonObject]:
    """An eval run's summary of what the cluster and agreement rankers had to work with, and what
    they cost per problem, by temperature label: from its generated-tests rows (`examinations`,
    one per problem) and behaviour rows (one per sample)."""
    probes_by_temperature: dict[float, list[JsonObject]] = {}
    for b in behaviours:
        probes_by_temperature.setdefault(float(b["temperature"]), []).append(b)
    out: dict[str, JsonObject] = {}
    for temperature in temperatures:
        exams = [e for e in examinations if float(e["temperature"]) == temperature]
        probes = probes_by_temperature.get(temperature, [])
        if not exams:
            continue
        out[temperature_label(temperature)] = {
            "problems": len(exams),
            "problems_with_tests": sum(bool(e["tests"]) for e in exams),
            "mean_tests": sum(len(e["tests"]) for e in exams) / len(exams),
            "dropped_tests": sum(e["dropped"] for e in exams),
            "mean_inputs": sum(len(e["inputs"]) for e in exams) / len(exams),
            "tests_seconds_per_problem": sum(e["tests_elapsed_s"] for e in exams) / len(exams),
            "probe_sandbox_seconds_per_problem": sum(b["wall_ms"] for b in probes) / 1000 / len(exams),
        }
    return out
