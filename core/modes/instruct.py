"""Instruct mode: ask a chat model for the function, then turn its code block back into a
completion of the user's prompt, so that prompt + completion is a program as in completion mode.

A local model's reply is started for it with an opening fence and the user's prompt, so it
writes only the body: it cannot spend its token budget repeating the signature and docstring
(about 115 tokens on a HumanEval prompt), and its reply stays the user's function. A server's
chat API cannot be given the start of a reply, so there the model writes the whole function.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Collection
from typing import TYPE_CHECKING

from core.modes.entry_point import Header, function_names, target_function
from core.modes.module_imports import unimported_modules
from core.modes.source_check import UNPARSEABLE
from core.sampling.stopping import FENCE

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

SYSTEM = "You are an expert Python programmer. You answer with correct, complete Python code."
REQUEST = (
    "Complete the following Python function. Answer with the whole function in one "
    "```python code block.\n\n```python\n{prompt}\n```"
)
# The assistant's reply opens with a fence: small instruct models then write code at once.
PRIMER = FENCE + "python\n"

# A line at column 0 that runs code once the function is written: the model trying it out
# ("print(f(3))", "if __name__ == ...", "assert f(1) == 2", "f(3)"). Nothing after it is kept, so
# generating it only costs time.
_DEMO_LINE = re.compile(r"^(?:print\(|if |assert |for |while |try:|with |[A-Za-z_][\w.]*\()", re.MULTILINE)


def chat_messages(prompt: str, feedback: str = "") -> list[dict[str, str]]:
    """The request for the function, as chat messages (local chat templates and servers alike);
    `feedback` (core.modes.revision) follows it, in the same message."""
    request = REQUEST.format(prompt=prompt.strip("\n"))
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": request + ("\n\n" + feedback if feedback else "")},
    ]


def reply_start(prompt: str) -> str:
    """What the assistant's reply is started with: a fence and the prompt, up to the body."""
    return PRIMER + prompt.strip("\n") + "\n"


def templated(tokenizer: PreTrainedTokenizerBase, messages: list[dict[str, str]]) -> str:
    """The chat template's text for `messages`, up to where the assistant's reply starts."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    if not isinstance(text, str):  # tokenize=False gives the template's text
        raise TypeError(f"the chat template gave {type(text).__name__}, not text")
    return text


def chat_prompt(tokenizer: PreTrainedTokenizerBase, prompt: str, feedback: str = "") -> str:
    return templated(tokenizer, chat_messages(prompt, feedback)) + reply_start(prompt)


def rewrite_allowance(prompt: str) -> int:
    """Tokens a server's model spends writing the prompt's signature and docstring again before
    the body, added to its budget so the body gets all of `max_new_tokens`. Code runs at about
    3.5 characters per token; 3 errs towards a budget that is too large, which costs nothing
    once the reply ends."""
    return len(prompt) // 3 + 16


def body_end(text: str) -> int | None:
    """Where a continued reply's code ends: the start of the line that closes the fence, or of
    a complete top-level line that tries the function out. A fence inside a string the code has
    left open does not count (a Markdown helper's), nor does a demo-like line inside a string or
    brackets (a SQL query's `COUNT(` line)."""
    if text.startswith(FENCE):
        return 0
    fence = (m.start() + 1 for m in re.finditer("\n" + re.escape(FENCE), text))
    # Only whole lines count: "for" alone could still become "format_ = ...".
    complete = text[: text.rfind("\n") + 1]
    demo = (m.start() for m in _DEMO_LINE.finditer(complete) if m.start() > 0)
    ends = [
        next((at for at in fence if _left_open(text, at) != "string"), None),
        next((at for at in demo if _left_open(text, at) is None), None),
    ]
    return min((e for e in ends if e is not None), default=None)


def _left_open(code: str, at: int) -> str | None:
    """What the code before `at` leaves open: "string" (a multi-line string), "brackets" (or a
    line continued with a backslash), or None. A fence after an unclosed bracket still ends the
    body: that code is broken, and the model is done with it."""
    try:
        for _token in tokenize.generate_tokens(io.StringIO(code[:at]).readline):
            pass
    except tokenize.TokenError as exc:
        return "string" if "string" in str(exc.args[0]) else "brackets"
    except SyntaxError:  # an indentation tokenize cannot follow: not a string's or bracket's doing
        return None
    return None


def completion_from_body(prompt: str, continuation: str) -> str:
    """The completion for a reply that was started with `reply_start(prompt)`."""
    return completion_from_reply(prompt, reply_start(prompt) + continuation)


def extract_code(reply: str) -> str:
    """The first fenced code block of a reply (the primer's fence included), else the reply; a
    block left open (the reply was cut) runs to the end."""
    text = PRIMER + reply if not reply.lstrip().startswith(FENCE) else reply
    start = text.find(FENCE)
    body_start = text.find("\n", start) + 1
    end = text.find("\n" + FENCE, body_start - 1)
    return text[body_start:] if end < 0 else text[body_start : end + 1]


def _body_indent(prompt: str, target: Header | None) -> str:
    """The indentation of the target function's body as the prompt writes it (its docstring's), or
    four spaces under the def: a prompt indented with tabs takes a body indented with tabs."""
    indent = target.indent if target is not None else ""
    try:
        funcs = [n for n in ast.walk(ast.parse(prompt)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    except UNPARSEABLE:  # a prompt that ends at its def's colon: nothing written in its body yet
        funcs = []
    func = next((n for n in reversed(funcs) if target is not None and n.name == target.name), None)
    if func is not None and func.body[0].lineno > func.lineno:
        line = prompt.splitlines()[func.body[0].lineno - 1]
        found = line[: len(line) - len(line.lstrip())]
        if len(found) > len(indent) and found.startswith(indent):
            return found
    return indent + "    "


def _inside_strings(tree: ast.Module) -> set[int]:
    """The lines (0-based) inside multi-line strings, after each one's first: their spaces are the
    string's own, not indentation."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)):
            inside.update(range(node.lineno, node.end_lineno or node.lineno))
    return inside


def _moved(lines: list[str], start: int, end: int, indent: str, texts: Collection[int] = ()) -> str:
    """Lines [start, end) with their common indentation replaced by `indent`, as textwrap.dedent
    and indent would do, except the lines inside multi-line strings (`texts`), kept as written."""
    code = [i for i in range(start, end) if i not in texts and lines[i].strip()]
    margin = os.path.commonprefix([lines[i][: len(lines[i]) - len(lines[i].lstrip())] for i in code])
    moved = []
    for i in range(start, end):
        line = lines[i]
        moved.append(line if i in texts else indent + line[len(margin) :] if line.strip() else "")
    return "\n".join(moved)


def _parseable(code: str) -> ast.Module | None:
    # A reply cut by the token limit often ends mid-statement; drop lines until it parses.
    lines = code.splitlines()
    while lines:
        try:
            return ast.parse("\n".join(lines))
        except UNPARSEABLE:
            lines.pop()
    return None


# What a reply may add beside the function: imports, helpers and constants. Example calls, prints,
# asserts and `if __name__ == "__main__":` blocks are the model showing its work; they would run
# before the tests and could fail or print, so they are left out.
_SUPPORT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _body_start(lines: list[str], func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Index of the body's first line after the docstring, comments above the first statement
    included: they explain the code to the user."""
    first = func.body[0]
    if _is_docstring(first) and len(func.body) > 1:
        return first.end_lineno or first.lineno
    start = func.body[1 if _is_docstring(first) else 0].lineno - 1
    while start > func.lineno and lines[start - 1].strip().startswith("#"):
        start -= 1
    return start


def _tries(node: ast.stmt, name: str) -> bool:
    """Whether `node` is a function that calls `name`, as a test or a demo of it does."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(node)
    )


def _names(node: ast.AST, name: str) -> bool:
    """Whether `node` refers to `name` anywhere."""
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def completion_from_reply(prompt: str, reply: str) -> str:
    """The text to append to `prompt`: the body of the model's version of the target function
    (its docstring dropped, since the prompt has one), then any helpers or imports it wrote, then
    the imports of standard modules it used without importing (core.modes.module_imports). It
    starts on a line of its own, as the reply's code did, where the prompt does not end with one."""
    completion = _completion(prompt, reply)
    missing = unimported_modules(prompt + completion)
    completion += "".join(f"import {module}\n" for module in missing)
    return "\n" + completion if completion and prompt and not prompt.endswith("\n") else completion


def _completion(prompt: str, reply: str) -> str:
    code = extract_code(reply)
    target = target_function(prompt)
    tree = _parseable(code)
    lines = code.splitlines()
    if tree is None or target is None:
        return _moved(lines, 0, len(lines), _body_indent(prompt, target)) if target else code
    name, body_indent = target.name, _body_indent(prompt, target)
    # At the top level first (ast.walk goes level by level); else the target is a method or a
    # nested function, as in the prompt.
    functions = (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    func = next((n for n in functions if n.name == name), None)
    if func is None and not tree.body:
        return ""  # a reply with no code at all: an empty completion, which is marked degenerate
    texts = _inside_strings(tree)
    if func is None:
        # The model wrote only a body (or unrelated code): indent it under the prompt's def.
        return _moved(lines, 0, tree.body[-1].end_lineno or len(lines), body_indent, texts) + "\n"
    stmts = [s for i, s in enumerate(func.body) if not (i == 0 and _is_docstring(s))]
    if not stmts:
        return body_indent + "pass\n"
    # The top-level statement that holds the function: the function itself, or the class or
    # function it is written in, whose code after it (the outer function's return) is the
    # completion's too, at the indentation the prompt gave it.
    top = next(node for node in tree.body if func in ast.walk(node))
    start = _body_start(lines, func)
    if top is func:
        parts = [_moved(lines, start, func.end_lineno or len(lines), body_indent, texts)]
    else:
        parts = ["\n".join(lines[start : top.end_lineno])]
    prompt_defs = function_names(prompt)
    prompt_lines = {line.strip() for line in prompt.splitlines()}
    for node in tree.body:
        if node is top or not isinstance(node, _SUPPORT) or getattr(node, "name", None) in prompt_defs:
            continue
        if _tries(node, name) and not _names(func, getattr(node, "name", "")):
            continue  # the model's own test of the function (`def check_...(): assert ...`), not a helper
        if all(line.strip() in prompt_lines for line in lines[node.lineno - 1 : node.end_lineno]):
            continue  # the prompt's own imports and constants, which a continued reply repeats
        # Imports and helpers the body relies on run at module level after the function is defined,
        # which is before any test calls it.
        parts.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
    return "\n".join(parts) + "\n"
