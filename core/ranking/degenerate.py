"""Candidates that are not attempts: an empty body, only `pass`, `...` or a docstring, only
`raise NotImplementedError`, or a copy of the prompt. They can score a high mean log-prob (a
bare `pass` is very likely), so every ranking puts them after real candidates, and every view
says what they are instead of counting them as the model's best answer."""

from __future__ import annotations

import ast

from core.modes.entry_point import entry_point
from core.modes.source_check import UNPARSEABLE

# Characters of a body too long to be in the prompt by chance, and how prompt lines begin.
_SHORT_CODE = 40
_PROMPT_LINES = ("def ", '"""', "'''", ">>>")


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_placeholder(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass) or _is_docstring(node):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _target(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node  # the last definition wins, as at run time
    return found


def _copies(prompt: str, body: str) -> bool:
    """Whether `body` repeats part of the prompt rather than answering it: a stretch of its text
    that holds the signature, the docstring or its examples, or is long. A short line such as
    `return a` may well be in the prompt's description ("return a, ignoring b") and be right."""
    if body not in prompt:
        return False
    return len(body) > _SHORT_CODE or any(line.strip().startswith(_PROMPT_LINES) for line in body.splitlines())


def degenerate_reason(prompt: str, completion: str) -> str | None:
    """Why `completion` is not an attempt at the prompt's function, or None if it is one.

    A program that does not parse is not called degenerate: the sandbox reports its error.
    """
    if not completion.strip():
        return "empty completion"
    if _copies(prompt, completion.strip()):
        return "a copy of the prompt"
    name = entry_point(prompt)
    if name is None:
        return None
    try:
        tree = ast.parse(prompt + completion)
    except UNPARSEABLE:
        return None
    func = _target(tree, name)
    if func is None:
        return None
    if all(_is_docstring(stmt) for stmt in func.body):
        return "only a docstring"
    if all(_is_placeholder(stmt) for stmt in func.body):
        return "only a placeholder (pass, ... or NotImplementedError)"
    return None
