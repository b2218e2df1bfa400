"""Tests the model writes for a prompt, for CodeT's dual agreement (Chen et al. 2022).

As in CodeT, the model continues the prompt's function with `pass` and then
"# check the correctness of f" and "assert f(", so any code model writes tests without a chat
template. Only asserts of the shape `f(literals) == literal` (or `f(...)`, `not f(...)`) are
kept, and they are kept as data: the test the sandbox's judge runs is rebuilt from the values, so
no model-written code ever runs outside a candidate process.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from core.evaluation.jsonl import JsonObject
from core.modes.source_check import UNPARSEABLE
from core.ranking.probe_inputs import literal_args, render
from core.sampling.params import SamplingParams

# Three short samples: on a 2-core CPU each step of the default model costs about as much as a
# step of the candidates' own batch, so this keeps the tests under half the candidates' time.
TESTS_PER_SAMPLE_TOKENS = 100
MAX_TESTS = 30
_STOPS = ("\n\n", "\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#", "\n```")


@dataclass(frozen=True)
class GeneratedTest:
    args: str  # argument list as literal source text (core.ranking.probe_inputs.render)
    expected: str  # the expected value's literal source text

    def source(self) -> str:
        return f"candidate({self.args}) == {self.expected}"


@dataclass(frozen=True)
class GeneratedTests:
    tests: tuple[GeneratedTest, ...]
    dropped: int  # asserts written but unusable: not parsed, not a plain call and value, wrong arity

    @property
    def unavailable_reason(self) -> str | None:
        """Why the agreement ranker cannot be used, or None when it can."""
        if self.tests:
            return None
        if self.dropped:
            return f"the model wrote no usable tests ({self.dropped} unusable asserts dropped)"
        return "the model wrote no tests"

    def to_json(self) -> JsonObject:
        return {"tests": [[t.args, t.expected] for t in self.tests], "dropped": self.dropped}

    @classmethod
    def from_json(cls, row: JsonObject) -> GeneratedTests:
        return cls(tuple(GeneratedTest(a, e) for a, e in row["tests"]), int(row["dropped"]))


def tests_prompt(prompt: str, entry_point: str) -> str:
    """The text the model continues with assert lines (CodeT's test-generation prompt)."""
    return f"{prompt.rstrip()}\n    pass\n\n\n# check the correctness of {entry_point}\nassert {entry_point}("


def tests_params(seed: int | None, n: int = 3) -> SamplingParams:
    # Completion mode even for chat models: the prompt above is code to continue, not a request.
    return SamplingParams(
        n=n,
        temperature=0.8,
        top_p=0.95,
        max_new_tokens=TESTS_PER_SAMPLE_TOKENS,
        stop=_STOPS,
        seed=seed,
        mode="completion",
    ).validated()


def parse_tests(completions: list[str], entry_point: str, arity_range: tuple[int, int] | None = None) -> GeneratedTests:
    """The usable, distinct tests in the model's continuations of `tests_prompt`. A continuation
    cut by the token limit loses only its unfinished last line."""
    kept: dict[GeneratedTest, None] = {}
    dropped = 0
    for completion in completions:
        lines = f"assert {entry_point}({completion}".splitlines()
        for line in lines:
            if not line.strip():
                continue
            test = _one_test(line.strip(), entry_point, arity_range)
            if test is None:
                dropped += 1
            elif len(kept) < MAX_TESTS:
                kept.setdefault(test, None)
    return GeneratedTests(tuple(kept), dropped)


def _one_test(line: str, entry_point: str, arity_range: tuple[int, int] | None) -> GeneratedTest | None:
    try:
        statement = ast.parse(line).body
    except UNPARSEABLE:
        return None
    if len(statement) != 1 or not isinstance(statement[0], ast.Assert):
        return None
    claim = statement[0].test
    call, expected = None, None
    if isinstance(claim, ast.Compare) and len(claim.ops) == 1 and isinstance(claim.ops[0], ast.Eq):
        left, right = claim.left, claim.comparators[0]
        call, value = (left, right) if _is_call_to(left, entry_point) else (right, left)
        try:
            expected = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return None
    elif isinstance(claim, ast.UnaryOp) and isinstance(claim.op, ast.Not):
        call, expected = claim.operand, False
    else:
        call, expected = claim, True
    if not _is_call_to(call, entry_point):
        return None
    args = literal_args(call)  # type: ignore[arg-type]  # _is_call_to checked it is a Call
    if args is None or (arity_range and not arity_range[0] <= len(args) <= arity_range[1]):
        return None
    args_text, expected_text = render(args), render((expected,))
    if args_text is None or expected_text is None:
        return None
    return GeneratedTest(args_text, expected_text)


def _is_call_to(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
