"""The reverse (Codex-D) direction: from code to its docstring (Codex paper, section 5).

Codex-D was trained on "signature, reference solution, then docstring". We get the same
shape from any code model by appending, after the function, an assignment to its
``__doc__``: valid Python that the model then continues with a docstring. Back-translation
ranking (Figure 7) scores a candidate body by how likely the prompt's own docstring is
given that body: log P(docstring | signature + candidate).
"""

from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING

from core.modes.source_check import UNPARSEABLE

if TYPE_CHECKING:
    from core.sampling.interface import Backend

DOC_CLOSE = '"""'


def strip_docstring(prompt: str, entry_point: str) -> tuple[str, str]:
    """Split a prompt into (the prompt without the docstring of `entry_point`, that docstring).

    The docstring is the first string statement of the function: usually its first line,
    though a HumanEval prompt (HumanEval/115) puts an import before it.
    """
    try:
        tree = ast.parse(prompt)
    except SyntaxError as exc:
        raise ValueError(f"the prompt of {entry_point} is not valid Python: {exc.msg}") from exc
    except UNPARSEABLE as exc:
        raise ValueError(f"the prompt of {entry_point} is not valid Python: {exc!r}") from exc
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point
    ]
    doc = next(
        (
            stmt
            for fn in functions[:1]
            for stmt in fn.body
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
        ),
        None,
    )
    if doc is None:
        raise ValueError(f"the prompt has no docstring for function {entry_point}")
    lines = prompt.splitlines(keepends=True)
    first, last = doc.lineno - 1, doc.end_lineno
    literal = ast.get_source_segment(prompt, doc)
    if last is None or literal is None:  # ast.parse always records where each node is
        raise ValueError(f"the parser gave the docstring of {entry_point} no source position")
    # Whole lines are cut, so a docstring sharing its line with code is refused rather than
    # cut mid-line.
    if "".join(lines[first:last]).strip() != literal.strip():
        raise ValueError(f"the docstring of {entry_point} shares a line with code")
    # The model reads source text, so the docstring is kept as written (escapes and all),
    # without its quotes and common indentation.
    body = literal.lstrip("rRuU")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return "".join(lines[:first] + lines[last:]), inspect.cleandoc(body[len(quote) : -len(quote)])


def reverse_prompt(code: str, entry_point: str) -> str:
    """The context after which a model writes the docstring of `entry_point` in `code`."""
    return f"{code.rstrip()}\n\n\n{entry_point}.__doc__ = {DOC_CLOSE}"


def docstring_continuation(docstring: str) -> str:
    """What the model should write after the reverse prompt: the docstring and its closing quotes
    (on their own line, as multi-line docstrings end and so that a final quote cannot merge)."""
    return f"{docstring}\n{DOC_CLOSE}"


def back_translation_logprob(engine: Backend, prompt: str, completion: str, entry_point: str) -> float:
    """log P(prompt's docstring | prompt without it + completion), teacher-forced by `engine`."""
    code, docstring = strip_docstring(prompt, entry_point)
    return float(sum(engine.score(reverse_prompt(code + completion, entry_point), docstring_continuation(docstring))))
