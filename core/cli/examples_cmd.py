"""`codesynth from-examples`: a working function from a table of inputs and expected outputs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.errors import UserError, sandbox_pool
from core.models import catalogue
from core.models import store as model_store
from core.modes.example_files import read_table
from core.sampling.params import MODES

if TYPE_CHECKING:
    from core.cli.arg_types import Subcommands


# Past this many rows, the best candidate's right examples are counted rather than listed.
_ROWS_LISTED = 20


def register(sub: Subcommands) -> None:
    p = sub.add_parser("from-examples", help="derive prompt and tests from examples, generate, and test")
    p.add_argument(
        "examples", type=Path, help="CSV (header names the parameters; last column 'expected'), JSON or a workbook"
    )
    p.add_argument("--description", default="", help="what the function does, in plain words")
    p.add_argument("--name", help="function name (default: derived from the description)")
    p.add_argument("--model", default="default", help="default | catalogue name | HF folder | .gguf file | server URL")
    p.add_argument("--served-model", help="model name on the server, when --model is a server URL")
    p.add_argument("-n", type=int, default=10, help="number of candidates")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--max-new-tokens", type=int, default=160)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=MODES, default="auto")
    p.add_argument(
        "--no-questions",
        action="store_true",
        help="look for disagreements only near the examples, without asking the model for inputs",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.modes.example_cells import ExamplesError, shown_inputs
    from core.modes.examples import (
        ONE_RIGHT,
        ONLY_ROWS,
        agreed,
        all_right,
        answered,
        best_first,
        build_spec,
        example_verdicts,
        explain,
        none_right,
        sample_note,
    )
    from core.modes.revision import examples_pipeline
    from core.pipeline import Harness, run_to_end
    from core.ranking.examine import examples_question, rows_as_inputs
    from core.sampling.open_backend import open_backend
    from core.sampling.params import SamplingParams

    table = read_table(args.examples)
    for note in table.notes:
        print(f"Note: {note}.", file=sys.stderr)
    try:
        spec = build_spec(table.header, table.rows, args.description or table.description, args.name)
    except ExamplesError as exc:
        raise UserError("bad examples: " + "; ".join(str(e) for e in exc.errors)) from None
    params = SamplingParams(
        n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens, seed=args.seed, mode=args.mode
    ).validated()
    print("Derived prompt:\n")
    print(spec.prompt)
    if sample_note(spec):
        print(f"Note: {sample_note(spec)}\n", file=sys.stderr)
    engine = open_backend(args.model, args.served_model, progress=lambda m: print(m, file=sys.stderr))
    with sandbox_pool() as pool:
        # The sandbox tests each candidate while the model writes the next (core.pipeline).
        harness = Harness(spec.prompt, spec.tests, spec.name)
        done = run_to_end(_told(examples_pipeline(engine, pool, spec, harness, params)))
        candidates = list(done.candidates)
        verdicts = [example_verdicts(spec, done.verdicts[c.index].cases) for c in candidates]
        right = [all_right(v, c.degenerate) for v, c in zip(verdicts, candidates)]
        exam, question = examples_question(
            pool,
            engine,
            spec,
            [c.text for c in candidates],
            right,
            answered=list(map(answered, verdicts)),
            ask_model=not args.no_questions,
            seed=args.seed,
        )
    clusters, known = exam.cluster_sizes(), rows_as_inputs(spec)
    support = exam.support(known, right)
    order = best_first(verdicts, [c.mean_logprob for c in candidates], [c.degenerate for c in candidates], support)
    best = order[0]
    print(f"Best of {len(candidates)} candidates: {explain(spec, verdicts[best])}\n")
    print(spec.prompt + candidates[best].text)
    print("Per example:")
    # A large table's right rows would bury the wrong ones: past a screenful, only those are listed.
    listed = len(spec.rows) <= _ROWS_LISTED
    for (inputs, expected), verdict in zip(spec.rows, verdicts[best]):
        if verdict is None and not listed:
            continue
        shown = shown_inputs(inputs)
        print(
            f"  {'right' if verdict is None else 'WRONG'}: {spec.name}({shown}) -> expected {expected.written}"
            + ("" if verdict is None else f"; {verdict}")
        )
    if not listed:
        right_rows = verdicts[best].count(None)
        print(f"  right: {'all' if right_rows == len(spec.rows) else 'the other'} {right_rows} examples")
    print("\nAll candidates:")
    for i in order:
        notes = "".join(f" [{w}]" for w in candidates[i].warnings)
        print(
            f"  #{i:<3} mean log-prob {candidates[i].mean_logprob:7.3f}  behaves like {clusters[i]:>2}  "
            f"{explain(spec, verdicts[i])}{notes}"
        )
    print(
        f"\n({len(exam.inputs)} inputs tried, the examples' own included; 'behaves like' counts the candidates, itself"
        " included, that give the same answers on all of them)"
    )
    if question is not None and question.confirms:
        print("Candidates that get every example right agree, but check: " + question.sentence(spec.name))
        print("If not, add the row you mean to the examples and run again.")
    elif question is not None and any(answer.from_model_test for answer in question.answers):
        print(
            "Candidates that get every example right agree, but a test the model wrote expects another answer: "
            + question.sentence(spec.name)
        )
        print("Add the row you mean to the examples and run again.")
    elif question is not None:
        print("Candidates that get every example right disagree on: " + question.sentence(spec.name))
        print("Add the row you mean to the examples and run again.")
    elif exam.only_rows(known, right):
        print(ONLY_ROWS)
    elif sum(right) > 1:
        print(agreed(len(exam.inputs), spec.name, exam.differs_at(right)))
    elif sum(right) == 1:
        print(ONE_RIGHT)
    elif not any(right):
        print(none_right(verdicts, [c.degenerate for c in candidates]))
        larger = catalogue.larger(args.model)
        if larger is not None:
            installed = model_store.is_installed(model_store.model_dir(larger.name))
            print(f"{catalogue.offer(larger, installed)} Run again with --model {larger.name}.")
    return 0


def _told(events: Iterable[object]) -> Iterator[object]:
    """The events, saying on the way when the model is asked to correct its best candidate."""
    from core.modes.revision import Revising, RevisionFailed

    for event in events:
        if isinstance(event, Revising) and event.lookup:
            print(
                "The candidates that get every example right only repeat them. The model is told what the best,"
                f" #{event.attempt}, gives for other inputs, and writes {event.count} more.\n"
            )
        elif isinstance(event, Revising):
            print(
                f"No candidate gets every example right. The model is told what the best, #{event.attempt},"
                f" got wrong, and writes {event.count} more.\n"
            )
        elif isinstance(event, RevisionFailed):
            print(f"The model could not write its corrections: {event.reason}\n")
        yield event
