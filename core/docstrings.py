"""Reverse mode (the paper's Codex-D): docstrings from code, ranked by mean log-prob and checked
by back-translation: code generated from the signature and the new docstring must behave like the
original function, which serves as the oracle on inputs taken from its doctests or tests."""
from __future__ import annotations

import ast
import doctest
import textwrap
from dataclasses import dataclass, replace

from core.candidate import Candidate
from core.params import InvalidParams, SamplingParams
from core.reverse import DOC_CLOSE, reverse_prompt

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
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    imports = "".join("".join(lines[n.lineno - 1 : n.end_lineno]) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
    found = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        doc = ast.get_docstring(node, clean=True)
        body_nodes = node.body[1:] if doc is not None else node.body
        start = (node.decorator_list[0] if node.decorator_list else node).lineno - 1
        first = body_nodes[0].lineno - 1 if body_nodes else node.end_lineno
        def_end = node.body[0].lineno - 1
        header = "".join(lines[start:def_end])
        body = "".join(lines[first : node.end_lineno]) if body_nodes else ""
        indent = body[: len(body) - len(body.lstrip())] if body else "    "
        found.append(Function(node.name, imports, imports + header, header + body, body, doc, indent.split("\n")[-1] or "    "))
    return found


def prompt_for(engine, func: Function, mode: str) -> str:
    """The context after which the model writes the docstring, ending with opening quotes."""
    if mode == "instruct":
        if getattr(engine, "tokenizer", None) is None:
            raise InvalidParams("instruct-mode docstrings need a local model's chat template; use --mode completion with a server")
        messages = [{"role": "user", "content": INSTRUCT_REQUEST.format(code=func.code.rstrip())}]
        return engine.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + DOC_CLOSE
    return reverse_prompt(func.code, func.name)


def copies_code(docstring: str, body: str) -> bool:
    """The paper counts a docstring that restates the body as a failure: flag one that contains
    at least half of the body's non-trivial lines verbatim."""
    lines = [line.strip() for line in body.splitlines() if len(line.strip()) >= 8]
    if not lines:
        return False
    flat = " ".join(docstring.split())
    return sum(" ".join(line.split()) in flat for line in lines) * 2 >= len(lines)


def generate_docstrings(engine, func: Function, params: SamplingParams) -> list[DocstringCandidate]:
    """n docstrings for `func`, best mean log-prob first."""
    mode = engine.resolve_mode(params.mode)
    raw = replace(params, mode="completion", stop=(DOC_CLOSE,))  # the prompt is already built for the mode
    cands = engine.generate(prompt_for(engine, func, mode), raw)
    docs = [DocstringCandidate(textwrap.dedent(c.text).strip(), c, copies_code(c.text, func.body)) for c in cands]
    return sorted(docs, key=lambda d: d.candidate.mean_logprob, reverse=True)


def example_inputs(func: Function, tests: str = "") -> list[str]:
    """Argument lists (source text) of calls to the function in its doctests and in `tests`."""
    sources = [ex.source for ex in doctest.DocTestParser().get_examples(func.docstring or "")]
    sources.append(tests)
    calls = []
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (func.name, "candidate"):
                args = [ast.get_source_segment(src, a) for a in node.args]
                args += [f"{k.arg}={ast.get_source_segment(src, k.value)}" for k in node.keywords if k.arg]
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
    quoted = textwrap.indent(docstring.strip(), func.indent)
    return f'{func.header}{func.indent}"""{quoted.lstrip()}\n{func.indent}"""\n'


def back_translation_score(engine, pool, func: Function, docstring: str, inputs: list[str], params: SamplingParams,
                           samples: int = 5) -> float:
    """Share of programs written from signature + docstring that agree with the original."""
    from sandbox import Program

    prompt = forward_prompt(func, docstring)
    cands = engine.generate(prompt, replace(params, n=samples))
    tests = oracle_tests(func, inputs)
    results = [pool.submit(Program(prompt, c.text, tests, func.name)) for c in cands]
    return sum(f.result().passed for f in results) / len(results)
