"""Whether a prompt is Python the model can continue, and Python's syntax errors in plain words.

A prompt is the start of a program: it may end in a signature with no body yet ("def f(x):"), or
inside a body ("    for x in xs:"). It is broken only when no body written after it could make
it parse, so the check gives its last open block a `pass` before parsing.
"""

from __future__ import annotations

import ast
import codeop
import re
import warnings
from dataclasses import dataclass

# What Python's parser raises for text it cannot read: SyntaxError; ValueError for a NUL byte or a
# lone surrogate; MemoryError and RecursionError for text chained or nested past its limits (a
# model's run of 6,000 minus signs, 1,500 nested lambdas: red-team round 8).
UNPARSEABLE = (SyntaxError, ValueError, MemoryError, RecursionError)
# try blocks with a finally nested deeper than this are refused before compiling: Python's compiler
# copies a finally body for each way out of its try, so the cost grows about 4x a level (3.3 s and
# 553 MiB at 9 levels, red-team round 8). Written code nests two or three.
MOST_NESTED_FINALLY = 5
_TRY_NODES = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))


def parsed(text: str) -> ast.Module | None:
    """The module `text` parses to, or None when it does not parse (`UNPARSEABLE`)."""
    try:
        return ast.parse(text)
    except UNPARSEABLE:
        return None


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    message: str  # plain words, no Python error names


# Python's messages (3.10+) and what they mean to someone who is not reading the parser.
_PLAIN = (
    (re.compile(r"'(.)' was never closed"), r"a '\1' is opened but never closed"),
    (re.compile(r"unterminated triple-quoted string literal.*"), 'a triple-quoted text (""") is never closed'),
    (re.compile(r"unterminated string literal.*"), "a text in quotes is not closed on its line"),
    (re.compile(r"unmatched '(.)'"), r"a '\1' closes a bracket that was never opened"),
    (re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'.*"), r"a '\1' closes a '\2'"),
    (re.compile(r"expected an indented block.*"), "the block after ':' is empty: indent at least one line under it"),
    (re.compile(r"unexpected indent"), "this line is indented more than the lines around it"),
    (
        re.compile(r"unindent does not match any outer indentation level"),
        "this line's indentation matches none of the lines above",
    ),
    (re.compile(r"inconsistent use of tabs and spaces.*"), "tabs and spaces are mixed in the indentation"),
    (re.compile(r"expected ':'"), "a ':' is missing at the end of the line"),
    (re.compile(r"invalid decimal literal"), "a number runs straight into letters"),
    (re.compile(r"expression expected after dictionary key and ':'"), "a value is missing after a key and its ':'"),
    (re.compile(r"malformed node or string.*"), "only plain values (numbers, text, lists, ...) can be written here"),
    (re.compile(r"invalid syntax\. Perhaps you forgot a comma\?"), "a comma seems to be missing"),
    (re.compile(r"invalid syntax"), "this is not valid Python"),
    (re.compile(r"(?:unexpected EOF while parsing|incomplete input)"), "the text ends in the middle of a statement"),
    (re.compile(r"invalid character '(.)' \((U\+[0-9A-F]+)\)"), r"'\1' (\2) cannot appear in Python code"),
    (re.compile(r"invalid non-printable character (U\+[0-9A-F]+)"), r"an invisible character (\1) is in the code"),
)


def plain_message(message: str) -> str:
    """Python's syntax error message in plain words (unchanged when it has no plain version)."""
    for pattern, plain in _PLAIN:
        if pattern.fullmatch(message):
            return pattern.sub(plain, message)
    return message


def _problem(error: SyntaxError, prompt: str) -> SyntaxProblem:
    lines = max(1, len(prompt.splitlines()))
    return SyntaxProblem(min(error.lineno or 1, lines), plain_message(error.msg))


def tests_problem(tests: str) -> tuple[int, str] | None:
    """(line, message) saying why the sandbox cannot run `tests`: they do not parse, or they would
    check nothing (sandbox.cases.NoCases); None when they can run."""
    from sandbox.cases import NoCases, plan

    try:
        plan(tests)
    except SyntaxError as exc:
        return exc.lineno or 1, f"Syntax error in the tests, line {exc.lineno}: {plain_message(exc.msg)}"
    except NoCases as exc:
        return 1, f"The tests would check nothing: {exc}."
    except UNPARSEABLE:
        return 1, "The tests are nested or chained too deeply for Python to read."
    return None


def _with_body(prompt: str) -> str:
    """`prompt` with a `pass` under its last line when that line opens a block."""
    lines = [line for line in prompt.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines or not lines[-1].rstrip().endswith(":"):
        return prompt
    last = lines[-1]
    indent = last[: len(last) - len(last.lstrip())]
    return prompt.rstrip() + "\n" + indent + "    pass\n"


def prompt_problem(prompt: str) -> SyntaxProblem | None:
    """Why `prompt` cannot start a program, or None when it can: it parses, or it is only
    unfinished at its end (a block with no body yet, or a last line the model may go on with)."""
    too_deep = SyntaxProblem(1, "the code is nested or chained too deeply for Python to read")
    try:
        tree = ast.parse(_with_body(prompt))
    except (MemoryError, RecursionError):
        return too_deep
    except (SyntaxError, ValueError):
        tree = None  # compile below says where and why
    depth, line = _finally_depth(tree) if tree is not None else (0, 1)
    if depth > MOST_NESTED_FINALLY:
        return SyntaxProblem(
            line, f"try blocks with a finally are nested {depth} deep here, which Python takes too long to compile"
        )
    try:
        return _compile_problem(prompt)
    except (MemoryError, RecursionError):  # e.g. 1,500 nested lambdas parse, but overflow the compiler
        return too_deep


def _compile_problem(prompt: str) -> SyntaxProblem | None:
    with warnings.catch_warnings():  # e.g. an invalid escape sequence: the sandbox reports those
        warnings.simplefilter("ignore")
        try:
            if codeop.compile_command(prompt, "<prompt>", "exec") is not None:
                return None
        except SyntaxError as exc:
            return _problem(exc, prompt)
        except ValueError as exc:  # a NUL character
            return SyntaxProblem(1, str(exc))
        try:
            compile(_with_body(prompt), "<prompt>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            last = max((i for i, line in enumerate(prompt.splitlines(), 1) if line.strip()), default=1)
            return _problem(exc, prompt) if (exc.lineno or last) < last else None
    return None


def _finally_depth(tree: ast.AST) -> tuple[int, int]:
    """The deepest nesting of try blocks that have a finally, and the line where it is deepest
    (iterative: the tree may be deeper than Python's recursion limit)."""
    deepest, line = 0, 1
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _TRY_NODES) and node.finalbody:
            depth += 1
            if depth > deepest:
                deepest, line = depth, node.lineno
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest, line
