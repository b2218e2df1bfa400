"""From examples, as a non-programmer uses it: for every examples-only task shipped in
resources/examples, derive the prompt and tests from the table, sample n functions, test each in
the sandbox, and count the tasks whose best-ranked candidate gets every example right. Tables
marked ambiguous (several different functions fit them) must instead produce a question
(core.ranking.examine.examples_question), and every answer to it, added as a row, must leave only
candidates that agree on that input.

    .venv/bin/python benchmarks/bench_examples.py [--model default] [-n 10] [--temperature 0.8]
        [--tables benchmarks/data/example_tables.json]

`--tables` runs the tables of another file in the library's format instead: the shipped four are
too few to measure a rate, and tuning on them alone would fit those four. The dev set in
benchmarks/data holds 18 clear tables of the kinds a non-programmer writes (numbers with
rounding, text, lists, several inputs, true/false).

The defaults are those of `codesynth from-examples` and the app's From examples tab.

The last line is machine-readable:
`solved=S meant=M tasks=T rate=R first_round=F revised=V questions=Q confirmed=C ambiguous=A settled=E answers=N
seconds=X`. M counts the solved tasks whose best candidate also returns what the table's reference
solution returns on every input tried beyond the examples: the function meant, not one that only
repeats the rows. C counts the ambiguous tables on which the candidates agreed, so that only a
confirmation of their shared answer was asked (core.ranking.behaviour.confirmation): not a question found.
V counts the tasks that had rounds of corrections (core.modes.revision), as the app and the CLI do:
the first round got no candidate right, or its right candidates only repeated the rows; F counts the
tasks the first round solved, which is what S would be without the rounds of corrections.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ids", default="", help="comma-separated example ids to run (default: all)")
    parser.add_argument("--tables", type=Path, help="a JSON file of tables in the library's format (default: shipped)")
    args = parser.parse_args(argv)

    from core.modes.example_library import load_entries, load_library
    from core.modes.examples import all_right, answer_row, answered, best_first, build_spec, example_verdicts, explain
    from core.modes.revision import examples_pipeline
    from core.pipeline import Harness, run_to_end
    from core.ranking.behaviour import value_of
    from core.ranking.examine import examples_question, probe, rows_as_inputs
    from core.ranking.generated_tests import GeneratedTests
    from core.sampling.open_backend import open_backend
    from core.sampling.params import SamplingParams
    from sandbox import Program, SandboxPool, submit_or_refuse

    def verdicts_for(pool, spec, candidates):
        runs = [submit_or_refuse(pool, Program(spec.prompt, c.text, spec.tests, spec.name)) for c in candidates]
        return [example_verdicts(spec, r.result().cases) for r in runs]

    def means_the_same(pool, spec, solution, exam, best) -> bool:
        """The best candidate returns what the reference solution returns wherever that returns a value."""
        reference = probe(pool, spec.prompt, spec.name, [solution], exam.inputs, GeneratedTests((), 0))[0]
        chosen = exam.behaviours[best]
        if reference is None or chosen is None:
            return False
        return all(
            same_answer(r, c, spec.decimals) for r, c in zip(reference.outcomes, chosen.outcomes) if r.startswith("=")
        )

    def same_answer(reference: str, chosen: str, decimals: int | None) -> bool:
        """Equal outcomes, or numbers equal to the decimals the table was written with (another
        formula for the same rule rounds differently)."""
        if reference == chosen:
            return True
        try:
            a, b = value_of(reference), value_of(chosen)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return False
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        tolerance = 0.5 * 10**-decimals if decimals is not None else 1e-9
        return numbers and math.isclose(a, b, rel_tol=1e-9, abs_tol=tolerance)  # type: ignore[arg-type]

    def each_right(verdicts, candidates):
        return [all_right(v, c.degenerate) for v, c in zip(verdicts, candidates)]

    wanted = {i.strip() for i in args.ids.split(",") if i.strip()}
    entries = load_entries(args.tables) if args.tables else load_library()
    tasks = [e for e in entries if e.kind == "examples" and (not wanted or e.id in wanted)]
    engine = open_backend(args.model, None, progress=lambda _m: None)
    params = SamplingParams(
        n=args.n, temperature=args.temperature, max_new_tokens=args.max_new_tokens, seed=args.seed
    ).validated()
    solved, meant, revised, first_round, started = 0, 0, 0, 0, time.perf_counter()
    asked = settled = answers = confirmed = 0
    clear = [t for t in tasks if not t.ambiguous]
    ambiguous = [t for t in tasks if t.ambiguous]
    print(f"model: {engine.info.describe()}; n={args.n}, T={args.temperature}")
    with SandboxPool() as pool:
        for task in tasks:
            header, rows = task.table
            spec = build_spec(header, rows, task.description)
            done = run_to_end(
                examples_pipeline(engine, pool, spec, Harness(spec.prompt, spec.tests, spec.name), params)
            )
            candidates = list(done.candidates)
            verdicts = [example_verdicts(spec, done.verdicts[c.index].cases) for c in candidates]
            revised += len(candidates) > args.n
            right = each_right(verdicts, candidates)
            exam, question = examples_question(
                pool,
                engine,
                spec,
                [c.text for c in candidates],
                right,
                answered=list(map(answered, verdicts)),
                seed=args.seed,
            )
            support = exam.support(rows_as_inputs(spec), right)  # as the app and the CLI rank
            best = best_first(
                verdicts, [c.mean_logprob for c in candidates], [c.degenerate for c in candidates], support
            )[0]
            if not task.ambiguous:
                ok = right[best]
                solved += ok
                # Right on the examples is not yet the function meant: one that repeats the rows is
                # right there too. The reference solution runs on the same inputs beyond them.
                as_meant = ok and means_the_same(pool, spec, task.solution, exam, best)
                meant += as_meant
                first_round += ok and len(candidates) == args.n
                print(
                    f"{'SOLVED' if ok else 'failed'}{'' if as_meant or not ok else ' (not as meant)'}  {task.id:28s} "
                    f"best: {explain(spec, verdicts[best])}; "
                    f"{sum(right)} of {len(candidates)} candidates get every example right"
                    + (
                        f" (the last {len(candidates) - args.n} written in rounds of corrections)"
                        if len(candidates) > args.n
                        else ""
                    )
                )
                continue
            label = "silent" if question is None else "CONFIRM" if question.confirms else "ASKED"
            print(
                f"{label:8s} {task.id:28s} {sum(right)} of {len(candidates)} right; "
                + (question.sentence(spec.name) if question else "no disagreement found")
            )
            if question is None:
                continue
            if question.confirms:  # the candidates agreed: nothing was found that settles anything
                confirmed += 1
                continue
            asked += 1
            agree_each = True
            for answer in question.answers:
                answers += 1
                longer = build_spec(header, [*rows, answer_row(question.args, answer.text)], task.description)
                still = [i for i, ok in enumerate(each_right(verdicts_for(pool, longer, candidates), candidates)) if ok]
                agree = set(still) == set(answer.candidates)
                agree_each &= agree
                print(
                    f"         answer {answer.text}: {len(still)} candidates left, "
                    f"{'all of them' if agree else 'NOT only those'} giving that answer"
                )
            settled += agree_each
    seconds = time.perf_counter() - started
    print(
        f"solved={solved} meant={meant} tasks={len(clear)} rate={solved / max(1, len(clear)):.2f} first_round={first_round} revised={revised} questions={asked} "
        f"confirmed={confirmed} ambiguous={len(ambiguous)} settled={settled} answers={answers} seconds={seconds:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
