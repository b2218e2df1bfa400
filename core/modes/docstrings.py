"""Reverse mode (the paper's Codex-D): docstrings from code, ranked by mean log-prob and checked
by back-translation: code generated from the signature and the new docstring must behave like the
original function, which serves as the oracle on inputs taken from its doctests or tests."""

from __future__ import annotations

import ast
import doctest
import inspect
import io
import threading
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.modes.instruct import templated
from core.modes.reverse import DOC_CLOSE, reverse_prompt
from core.modes.source_check import UNPARSEABLE
from core.ranking.order import best_first_key
from core.sampling.candidate import Candidate
from core.sampling.params import InvalidParams, SamplingParams

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from core.sampling.interface import Backend
    from sandbox import SandboxPool

INSTRUCT_REQUEST = (
    "Write the docstring for this Python function: what it does, its arguments and what it returns. "
    "Do not repeat the code. Reply with the docstring text only.\n\n```python\n{code}\n```"
)


@dataclass(frozen=True)
class Function:
    name: str
    imports: str  # the module's import statements, which the function may rely on
    header: str  # imports, decorators and the `def` line(s)
    code: str  # the function without its docstring
    body: str  # the body without its docstring
    docstring: str | None
    indent: str  # of the body


@dataclass(frozen=True)
class DocstringCandidate:
    text: str
    candidate: Candidate
    copies_code: bool
    back_translation: float | None = None  # share of back-translated programs that behave like the original


def functions_in(source: str) -> list[Function]:
    """Top-level functions of a module. Raises SyntaxError for code that does not parse."""
    tree = _module(source)
    lines = source.splitlines(keepends=True)
    imports = "".join(
        "".join(lines[n.lineno - 1 : n.end_lineno]) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
    )
    found = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        doc = ast.get_docstring(node, clean=True)
        body_nodes = node.body[1:] if doc is not None else node.body
        start = (node.decorator_list[0] if node.decorator_list else node).lineno - 1
        def_end = node.body[0].lineno - 1
        colon_row, colon_col = _header_colon(source, node)
        if def_end == colon_row:  # `def add(a, b): return a + b`: the body shares the header's line
            header = "".join(lines[start:colon_row]) + lines[colon_row][: colon_col + 1] + "\n"
            body = f"    {'; '.join(_source_of(source, n) for n in body_nodes)}\n" if body_nodes else ""
        else:
            header = "".join(lines[start:def_end])
            first = body_nodes[0].lineno - 1 if body_nodes else node.end_lineno
            body = "".join(lines[first : node.end_lineno]) if body_nodes else ""
        indent = body[: len(body) - len(body.lstrip())] if body else "    "
        found.append(
            Function(node.name, imports, imports + header, header + body, body, doc, indent.split("\n")[-1] or "    ")
        )
    return found


def prompt_for(engine: Backend, func: Function, mode: str) -> str:
    """The context after which the model writes the docstring, ending with opening quotes."""
    if mode == "instruct":
        tokenizer: PreTrainedTokenizerBase | None = getattr(engine, "tokenizer", None)  # a local engine's only
        if tokenizer is None:
            raise InvalidParams(
                "instruct-mode docstrings need a local model's chat template; use --mode completion with a server"
            )
        messages = [{"role": "user", "content": INSTRUCT_REQUEST.format(code=func.code.rstrip())}]
        return templated(tokenizer, messages) + DOC_CLOSE
    return reverse_prompt(func.code, func.name)


def copies_code(docstring: str, body: str, signature: str = "") -> bool:
    """The paper counts a docstring that restates the code as a failure: flag one that contains
    at least half of the body's non-trivial lines (spacing aside), or that opens by repeating the `def`
    line (`signature`: the function's header), which small models often do."""
    flat = " ".join(docstring.split())
    def_line = next((" ".join(line.split()) for line in signature.splitlines() if line.strip().startswith("def ")), "")
    if def_line and flat.startswith(def_line.rstrip(":")):
        return True
    # Compared without spaces, and a `return` by its expression: `Returns (a*a + b*b)**0.5.`
    # restates `return (a * a + b * b) ** 0.5` as surely as a verbatim copy does.
    dense = "".join(docstring.split())
    lines = [_dense_code(line) for line in body.splitlines()]
    lines = [line for line in lines if len(line) >= 8]
    if not lines:
        return False
    return sum(line in dense for line in lines) * 2 >= len(lines)


def _dense_code(line: str) -> str:
    dense = "".join(line.split())
    return dense.removeprefix("return") if line.strip().startswith("return ") else dense


def generate_docstrings(
    engine: Backend, func: Function, params: SamplingParams, cancel: threading.Event | None = None
) -> list[DocstringCandidate]:
    """n docstrings for `func`, each as Python reads it (inspect.cleandoc): real docstrings by mean
    log-prob, then those that copy the code or are empty, which the paper counts as failures."""
    mode = engine.resolve_mode(params.mode)
    raw = replace(params, mode="completion", stop=(DOC_CLOSE,))  # the prompt is already built for the mode
    cands = engine.generate(prompt_for(engine, func, mode), raw, cancel)
    docs = [
        DocstringCandidate(inspect.cleandoc(c.text).strip(), c, copies_code(c.text, func.body, func.header))
        for c in cands
    ]
    return sorted(
        docs,
        key=lambda d: best_first_key(d.candidate.mean_logprob, d.candidate.index, demoted=d.copies_code or not d.text),
    )


def example_inputs(func: Function, tests: str = "") -> list[str]:
    """Argument lists (source text) of calls to the function in its doctests and in `tests`."""
    sources = [ex.source for ex in doctest.DocTestParser().get_examples(func.docstring or "")]
    sources.append(tests)
    calls = []
    for src in sources:
        try:
            tree = ast.parse(src)
        except UNPARSEABLE:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in (func.name, "candidate")
            ):
                args = [_source_of(src, a) for a in node.args]
                args += [f"{k.arg}={_source_of(src, k.value)}" for k in node.keywords if k.arg]
                call = ", ".join(args)
                if call not in calls:
                    calls.append(call)
    return calls


def oracle_tests(func: Function, inputs: list[str]) -> str:
    """A check(candidate) that compares the candidate with the original on each input."""
    reference = func.code.replace(f"def {func.name}(", "def __reference__(", 1)
    checks = "\n".join(f"    assert candidate({args}) == __reference__({args})" for args in inputs)
    return f"{func.imports}{reference}\n\ndef check(candidate):\n{checks}\n"


def forward_prompt(func: Function, docstring: str) -> str:
    return func.header + docstring_literal(docstring.strip(), func.indent)


def back_translation_score(
    engine: Backend,
    pool: SandboxPool,
    func: Function,
    docstring: str,
    inputs: list[str],
    params: SamplingParams,
    samples: int = 5,
    cancel: threading.Event | None = None,
) -> float | None:
    """Share of programs written from signature + docstring that agree with the original; None when
    `cancel` was set before the share was known."""
    from core.pipeline import Harness, run_pipeline, run_to_end

    prompt = forward_prompt(func, docstring)
    stream = engine.stream(prompt, replace(params, n=samples), cancel)
    # A share of the programs written, like pass@1: each is run, copies too (core.ranking.distinct_runs).
    done = run_to_end(
        run_pipeline(stream, pool, Harness(prompt, oracle_tests(func, inputs), func.name), cancel, share_verdicts=False)
    )
    if done.cancelled or len(done.verdicts) < len(done.candidates):
        return None  # stopped before every program had run
    return sum(v.passed for v in done.verdicts.values()) / len(done.candidates)


def scored_docstrings(
    engine: Backend,
    pool: SandboxPool | None,
    func: Function,
    inputs: list[str],
    params: SamplingParams,
    samples: int,
    cancel: threading.Event | None = None,
) -> Iterator[list[DocstringCandidate]]:
    """The ranked docstrings as soon as they are written, then again after each back-translation
    score. A docstring that copies the code is a failure and gets no score; so does every one when
    `pool` is None, `inputs` is empty or `samples` is 0. Stops early, without a last list, on `cancel`."""
    docs = generate_docstrings(engine, func, params, cancel)
    if cancel is not None and cancel.is_set():
        return  # truncated docstrings would be ranked as if they were finished
    yield docs
    if pool is None or not inputs or samples < 1:
        return
    for i, doc in enumerate(docs):
        if doc.copies_code:
            continue
        score = back_translation_score(engine, pool, func, doc.text, inputs, params, samples, cancel)
        if score is None:
            return
        docs = [*docs[:i], replace(doc, back_translation=score), *docs[i + 1 :]]
        yield docs


# -- putting a docstring into the code -------------------------------------------------------------


def docstring_literal(docstring: str, indent: str) -> str:
    """The lines of a triple-quoted string statement at `indent` that ast.get_docstring reads as
    `docstring` (a cleandoc'ed text): escapes keep backslashes, control characters and quotes as
    they are."""
    body = "".join(
        "\\\\" if c == "\\" else c if c == "\n" or c.isprintable() else c.encode("unicode_escape").decode()
        for c in docstring
    )
    if '"""' in body or body.endswith('"'):
        body = body.replace('"', '\\"')
    first, *rest = body.split("\n")
    if not rest:
        return f'{indent}"""{first}"""\n'
    more = "".join(f"{indent}{line}\n" if line else "\n" for line in rest)
    return f'{indent}"""{first}\n{more}{indent}"""\n'


def _module(source: str) -> ast.Module:
    """`source` parsed; SyntaxError for any text Python cannot read (`UNPARSEABLE`), which callers
    report as code that does not parse."""
    try:
        return ast.parse(source)
    except SyntaxError:
        raise
    except UNPARSEABLE as exc:
        problem = "holds a NUL character" if isinstance(exc, ValueError) else "is nested or chained too deeply"
        raise SyntaxError(f"the code {problem} for Python to read") from None


def docstring_edit(source: str, name: str, docstring: str) -> tuple[int, int, str]:
    """How to give the function `name` (top-level first, else the first nested one) the docstring
    `docstring`, replacing its own: replace lines [first, end) (0-based, split at "\\n") by the
    returned text. A one-line def is split over lines. Raises SyntaxError for code that does not
    parse and LookupError when no function has that name."""
    tree = _module(source)
    functions = (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    node = next((n for n in functions if n.name == name), None)
    if node is None:
        raise LookupError(f"no function named {name}")
    lines = source.split("\n")
    colon_row, colon_col = _header_colon(source, node)
    first_stmt = node.body[0]
    old = first_stmt if ast.get_docstring(node, clean=False) is not None else None
    one_line = first_stmt.lineno - 1 == colon_row
    if one_line:
        indent = _indent_of(lines[node.lineno - 1]) + "    "
        head, first = lines[colon_row][: colon_col + 1] + "\n", colon_row
    else:
        indent = _indent_of(lines[first_stmt.lineno - 1])
        head, first = "", old.lineno - 1 if old else colon_row + 1
    if old is not None:
        if old.end_lineno is None or old.end_col_offset is None:  # ast.parse always sets them
            raise ValueError(f"the parser gave the docstring of {name} no end position")
        end_line = lines[old.end_lineno - 1]
        rest = end_line[len(end_line.encode()[: old.end_col_offset].decode()) :].strip()
        rest, end = rest.removeprefix(";").strip(), old.end_lineno
    elif one_line:
        rest, end = lines[colon_row][colon_col + 1 :].strip(), colon_row + 1
    else:
        rest, end = "", first
    return first, end, head + docstring_literal(docstring, indent) + (f"{indent}{rest}\n" if rest else "")


def insert_docstring(source: str, name: str, docstring: str) -> str:
    """`source` with `docstring` as the docstring of function `name` (see docstring_edit)."""
    first, end, text = docstring_edit(source, name, docstring)
    lines = source.split("\n")
    return "".join(f"{line}\n" for line in lines[:first]) + text + "\n".join(lines[end:])


def _source_of(source: str, node: ast.AST) -> str:
    """The text of `node`, parsed from `source` (ast.parse always records where each node is)."""
    segment = ast.get_source_segment(source, node)
    if segment is None:
        raise ValueError(f"the parser gave a {type(node).__name__} no source position")
    return segment


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _header_colon(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """(0-based row, column) of the colon that ends the `def` header of `node`: the first one
    outside brackets, as annotations and lambdas in defaults have colons too."""
    depth, started = 0, False
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.start[0] < node.lineno:
            continue
        if tok.type == tokenize.NAME and tok.string == "def":
            started = True
        elif started and tok.type == tokenize.OP:
            depth += (tok.string in "([{") - (tok.string in ")]}")
            if tok.string == ":" and depth == 0:
                return tok.start[0] - 1, tok.start[1]
    raise LookupError(f"no header for function {node.name}")  # unreachable for code that parsed
