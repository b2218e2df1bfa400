"""Split a test source into separately reported cases (pure; runs in the trusted worker).

Three shapes are understood, tried in order:
  * human-eval: ``def check(candidate)``; every ``assert`` inside it is a case;
  * pytest-like: top-level ``def test_*()`` functions; each function is a case;
  * MBPP-like: top-level ``assert`` statements; each is a case.
Each ``assert T, M`` is rewritten to ``__case__(i, lambda: T, lambda: M)`` so the judge
keeps going after a failure and can report every case, not only the first.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass

CASE_HOOK = "__case__"
TESTS_FILENAME = "<tests>"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class Case:
    index: int
    name: str
    line: int


@dataclass(frozen=True)
class Plan:
    mode: str  # "check" | "functions" | "module"
    cases: tuple[Case, ...]
    tree: ast.Module  # instrumented; compile with TESTS_FILENAME


def _asserts(body: list[ast.stmt]) -> list[ast.Assert]:
    """Assert statements in these statements, not descending into nested scopes."""
    found: list[ast.Assert] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assert):
            found.append(node)
        elif not isinstance(node, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _label(lines: list[bytes], node: ast.stmt, limit: int = 160) -> str:
    """The node's source text, whitespace collapsed. `lines` are the source's lines in UTF-8,
    split once: ast.get_source_segment re-splits the whole source on every call, which made
    planning a test file quadratic in its number of asserts (60% of planning HumanEval's)."""
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None:  # ast.parse always sets them
        raise ValueError("the parser gave an assert no end position")
    first, last = lines[node.lineno - 1], lines[end_line - 1]
    if node.lineno == end_line:
        segment = first[node.col_offset : end_col]
    else:
        middle = lines[node.lineno : end_line - 1]
        segment = b"".join([first[node.col_offset :], *middle, last[:end_col]])
    text = " ".join(segment.decode("utf-8", "replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Rewrite(ast.NodeTransformer):
    def __init__(self, index: dict[int, int]):
        self.index = index  # id(Assert node) -> case index

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        if id(node) not in self.index:
            return node

        def lam(expr: ast.expr) -> ast.Lambda:
            return ast.Lambda(ast.arguments([], [], None, [], [], None, []), expr)

        msg = lam(node.msg) if node.msg is not None else ast.Constant(None)
        call = ast.Call(ast.Name(CASE_HOOK, ast.Load()), [ast.Constant(self.index[id(node)]), lam(node.test), msg], [])
        # Locate only the new nodes: fixing the whole tree afterwards cost a quarter of planning.
        return ast.fix_missing_locations(ast.copy_location(ast.Expr(call), node))


def plan(tests: str) -> Plan:
    """Raises SyntaxError when the tests do not parse."""
    tree = ast.parse(tests, TESTS_FILENAME)
    top = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if "check" in top:
        mode, nodes = "check", _asserts(top["check"].body)
    elif any(name.startswith("test") for name in top):
        fns = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
        cases = tuple(Case(i, fn.name, fn.lineno) for i, fn in enumerate(fns))
        return Plan("functions", cases, tree)
    else:
        mode, nodes = "module", [n for n in tree.body if isinstance(n, ast.Assert)]
    lines = [line.encode("utf-8") for line in io.StringIO(tests, newline=None)]  # line ends as the parser counts them
    cases = tuple(Case(i, _label(lines, n), n.lineno) for i, n in enumerate(nodes))
    tree = _Rewrite({id(n): i for i, n in enumerate(nodes)}).visit(tree)
    return Plan(mode, cases, tree)
