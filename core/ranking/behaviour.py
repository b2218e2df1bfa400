"""What candidates do on inputs beyond the tests, and the choices built on it (issue 21):
behaviour clusters (AlphaCode, MBR-exec), CodeT's dual agreement with model-written tests, and
the question that settles examples which several different functions fit.

Each candidate runs once in the sandbox on a probe file: for every input, a case whose assert
keeps the returned value and fails with the value's canonical text as its message (computed in
the judge, from the plain data the candidate sent back), then one case per generated test. A
candidate's behaviour is the list of those outcomes: a value, an exception type, or a status
such as timeout, so a candidate that hangs or explodes on an input just behaves that way there.
"""

from __future__ import annotations

import ast
import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.displayable import spelled
from core.evaluation.jsonl import JsonObject
from core.ranking.generated_tests import GeneratedTest
from sandbox import Program, RunResult

PROBE_TIMEOUT_S = 5.0
_SHOWN_CHARS = 300

# Runs in the sandbox's judge. Equal values get equal text whatever their container order
# (dicts and sets are sorted), and a float equal to an int reads as that int, since `==` (what
# tests compare with) cannot tell them apart. Long text is cut and carries its digest instead.
PROBE_HELPERS = f"""
import hashlib as _probe_hashlib
import math as _probe_math

_probe_last = [None]


def _probe_text(value, depth=0):
    if depth > 40:
        return "..."
    if isinstance(value, int) and value.bit_length() > 14000:  # repr refuses over 4,300 digits
        return "#" + _probe_hashlib.sha256(hex(value).encode()).hexdigest()[:16] + " an integer too long to write"
    if isinstance(value, float) and _probe_math.isfinite(value):
        if abs(value) < 1e15 and value == int(value):
            return repr(int(value))
        return repr(float(format(value, ".12g")))
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_probe_text(v, depth + 1) for v in value)
        if isinstance(value, list):
            return "[" + inner + "]"
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        items = sorted(_probe_text(k, depth + 1) + ": " + _probe_text(v, depth + 1) for k, v in value.items())
        return "{{" + ", ".join(items) + "}}"
    if isinstance(value, (set, frozenset)):
        inner = "{{" + ", ".join(sorted(_probe_text(v, depth + 1) for v in value)) + "}}"
        if isinstance(value, frozenset):
            return "frozenset(" + inner + ")" if value else "frozenset()"
        return inner if value else "set()"
    return repr(value)


def _probe_keep(value):
    _probe_last[0] = value
    return False


def _probe_shown():
    text = _probe_text(_probe_last[0])
    if len(text) <= {_SHOWN_CHARS}:
        return text
    return "#" + _probe_hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16] + " " + text[:100] + "..."
"""


def probe_tests(inputs: Sequence[str], tests: Sequence[GeneratedTest] = ()) -> str:
    """The test file that records a candidate's behaviour on `inputs` and runs `tests`."""
    lines = [PROBE_HELPERS, "def check(candidate):"]
    lines += [f"    assert _probe_keep(candidate({args})), _probe_shown()" for args in inputs]
    lines += [f"    assert {test.source()}" for test in tests]
    if len(lines) == 2:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def probe_program(
    prompt: str, completion: str, entry_point: str, inputs: Sequence[str], tests: Sequence[GeneratedTest] = ()
) -> Program:
    return Program(prompt, completion, probe_tests(inputs, tests), entry_point)


# The key of a behaviour with no returned value on any input (see Behaviour.key).
NO_VALUE = "no-value-"


@dataclass(frozen=True)
class Behaviour:
    outcomes: tuple[str, ...]  # per input: "=<value text>", "!<exception type>" or "~<status>"
    tests_passed: tuple[bool, ...]  # per generated test

    @property
    def key(self) -> str:
        """Equal for candidates that behaved the same on every input: their cluster. A candidate
        that gave no value anywhere is marked (NO_VALUE), to stand alone in `cluster_sizes`."""
        digest = hashlib.sha256("\x00".join(self.outcomes).encode("utf-8", "replace")).hexdigest()[:16]
        return digest if any(o.startswith("=") for o in self.outcomes) else NO_VALUE + digest

    @property
    def n_tests_passed(self) -> int:
        return sum(self.tests_passed)

    def to_json(self) -> JsonObject:
        return {"behaviour": self.key, "generated_tests_passed": self.n_tests_passed}


def read_behaviour(result: RunResult, n_inputs: int, n_tests: int) -> Behaviour:
    """The outcomes of a probe run (see `probe_tests`)."""
    cases = {case.index: case for case in result.cases}
    outcomes = []
    for i in range(n_inputs):
        case = cases.get(i)
        if case is None:
            outcomes.append(f"~{result.status}")
        elif case.status == "fail" and case.message.startswith("AssertionError: "):
            outcomes.append("=" + case.message.removeprefix("AssertionError: "))
        elif case.status == "error":
            outcomes.append("!" + case.message.split(":", 1)[0].strip())
        else:
            outcomes.append(f"~{case.status}")
    passed = tuple(cases.get(n_inputs + j) is not None and cases[n_inputs + j].status == "pass" for j in range(n_tests))
    return Behaviour(tuple(outcomes), passed)


def cluster_sizes(keys: Sequence[str]) -> list[int]:
    """For each candidate, how many candidates (itself included) share its behaviour. Programs that
    raise or hang on every input (a missing import, a syntax slip) fail alike without agreeing on
    anything: each counts as a cluster of its own, not as a majority."""
    counts = Counter(keys)
    return [1 if k.startswith(NO_VALUE) else counts[k] for k in keys]


def agreement_scores(keys: Sequence[str], tests_passed: Sequence[int]) -> list[int]:
    """CodeT's dual agreement: (candidates in the cluster) x (generated tests the cluster passes)."""
    return [size * passed for size, passed in zip(cluster_sizes(keys), tests_passed)]


def value_of(outcome: str) -> object:
    """The value an outcome shows, as a Python value; raises ValueError for an exception, a status,
    or a value too long to show (only its digest is known)."""
    if not outcome.startswith("=") or outcome.startswith("=#"):
        raise ValueError(f"not a shown value: {outcome[:40]!r}")
    return ast.literal_eval(outcome[1:])


def describe(outcome: str) -> str:
    """An outcome in plain words."""
    if outcome.startswith("="):
        return outcome[1:]
    if outcome.startswith("!"):
        return f"an error ({outcome[1:]})"
    return {"~timeout": "no answer (it runs too long)", "~memory_limit": "no answer (too much memory)"}.get(
        outcome, f"no answer ({outcome[1:]})"
    )


@dataclass(frozen=True)
class Answer:
    value: object
    text: str
    candidates: tuple[int, ...]  # positions in the list the question was asked about
    from_model_test: bool = False  # no candidate gives it: a test the model wrote expects it

    def supporters(self) -> str:
        if self.from_model_test:
            return "a test the model wrote"
        return f"{len(self.candidates)} candidate{'s' * (len(self.candidates) != 1)}"


@dataclass(frozen=True)
class Question:
    """Candidates that get every example right disagree on `args`: which answer is meant?"""

    args: str
    answers: tuple[Answer, ...]  # most candidates first

    @property
    def confirms(self) -> bool:
        """One answer: the candidates agree, but the examples are too few to trust that (`confirmation`)."""
        return len(self.answers) == 1

    def sentence(self, name: str) -> str:
        if self.confirms:
            (answer,) = self.answers
            return (
                f"For {name}({self.args}), the candidates that get every example right all answer {answer.text}"
                f" ({answer.supporters()}). One example fits many functions: is {answer.text} what you mean?"
            )
        options = " or ".join(f"{spelled(a.text)} ({a.supporters()})" for a in self.answers)
        return f"For {name}({self.args}), should the answer be {options}?"


def _answer_text(outcome: str, decimals: int | None) -> str:
    """The answer an outcome gives, as a person would write it: a number rounded to the decimals
    the examples were written with (so 1.2427 and 1.24274 are one answer to 2 decimals), and a
    whole number as a whole number, whichever type it came as.
    Raises ValueError for an outcome that is no shown value."""
    value = value_of(outcome)
    # 220 and 220.0 are one answer too: the table's checks take either for the other.
    if decimals is not None and isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 2**53:
        return repr(round(float(value), decimals))
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return repr(int(value))
    return outcome[1:]


def disagreement(
    inputs: Sequence[str], behaviours: Sequence[Behaviour | None], decimals: int | None = None
) -> Question | None:
    """The most telling input on which these candidates return different values, or None when they
    all agree. Most telling: the most even split (highest entropy), then the most candidates that
    returned a value, then the shortest input. Errors and hangs are left out of the answers: a
    person answers with a value. `decimals`: numbers that agree to that many places agree."""
    best: tuple[tuple[float, int, int], Question] | None = None
    for i, args in enumerate(inputs):
        groups: dict[str, list[int]] = {}
        for position, behaviour in enumerate(behaviours):
            if behaviour is None or i >= len(behaviour.outcomes):
                continue
            try:
                groups.setdefault(_answer_text(behaviour.outcomes[i], decimals), []).append(position)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                continue
        answers = [Answer(ast.literal_eval(text), text, tuple(members)) for text, members in groups.items()]
        if len(answers) < 2:
            continue
        answered = sum(len(a.candidates) for a in answers)
        entropy = -sum(len(a.candidates) / answered * math.log(len(a.candidates) / answered) for a in answers)
        rank = (entropy, answered, -len(args))
        if best is None or rank > best[0]:
            ordered = tuple(sorted(answers, key=lambda a: (-len(a.candidates), a.candidates)))
            best = (rank, Question(args, ordered))
    return None if best is None else best[1]


def dissent(
    inputs: Sequence[str],
    behaviours: Sequence[Behaviour | None],
    tests: Sequence[GeneratedTest],
    known: Sequence[str] = (),
    decimals: int | None = None,
) -> Question | None:
    """When the candidates agree everywhere, a test the model wrote may still read the examples
    another way: the first test, on an input not already in `known` (the examples'), whose
    expected value differs from the one all these candidates return there."""
    for test in tests:
        if test.args in known or test.args not in inputs:
            continue
        i = inputs.index(test.args)
        given = {b.outcomes[i] for b in behaviours if b is not None}
        if len(given) != 1:
            continue
        try:
            agreed = _answer_text(given.pop(), decimals)
            expected = _answer_text("=" + test.expected, decimals)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
        if agreed == expected or ast.literal_eval(agreed) == ast.literal_eval(expected):
            continue
        members = tuple(p for p, b in enumerate(behaviours) if b is not None)
        return Question(
            test.args,
            (
                Answer(ast.literal_eval(agreed), agreed, members),
                Answer(ast.literal_eval(expected), expected, (), from_model_test=True),
            ),
        )
    return None


def confirmation(
    inputs: Sequence[str],
    behaviours: Sequence[Behaviour | None],
    known: Sequence[str] = (),
    decimals: int | None = None,
) -> Question | None:
    """For a table of one example, on which the candidates agree everywhere tried: the input on
    which to confirm their shared answer with the user, since one row fits many functions (2, 2 ->
    4 is a sum, a product and a power). The most telling input not in `known` where every one of
    them returns the same value: the most arguments that are no 0, 1 or -1 and no empty or
    one-element collection (on those, different functions often agree), then the most distinct
    arguments, then the shortest."""
    members = tuple(p for p, b in enumerate(behaviours) if b is not None)
    if not members:
        return None
    best: tuple[tuple[int, int, int], Question] | None = None
    for i, args in enumerate(inputs):
        given = {b.outcomes[i] for b in behaviours if b is not None and i < len(b.outcomes)}
        if args in known or len(given) != 1:
            continue
        try:
            answer = _answer_text(given.pop(), decimals)
            values = ast.literal_eval(f"({args},)")
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue  # an error or a hang is no answer to confirm
        rank = (sum(map(_telling, values)), len({repr(v) for v in values}), -len(args))
        if best is None or rank > best[0]:
            best = (rank, Question(args, (Answer(ast.literal_eval(answer), answer, members),)))
    return None if best is None else best[1]


def _telling(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value not in (0, 1, -1)
    return isinstance(value, (str, bytes, list, tuple, dict, set)) and len(value) >= 2
