"""Which function a prompt asks the model to write, and which function its tests call: the one
rule that completion and instruct mode, the CLI and the app all use, so that none of them tests a
function the model was not writing.

The model continues the last `def` of the prompt, whatever its indentation (a nested helper, a
method). Tests call a module-level name, so the entry point is the top-level function that holds
that `def`; when a class holds it, the prompt has no function the tests can call.

Prompts are read with a regular expression, not `ast`: a prompt that ends at a signature does
not parse.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A def or class header at the start of a line; [ \t] rather than \s so a header never spans lines.
_HEADER = re.compile(r"^([ \t]*)(?:(class)|(?:async[ \t]+)?def)[ \t]+([A-Za-z_]\w*)[ \t]*[(:]", re.MULTILINE)


class Header(NamedTuple):
    indent: str  # the header's leading whitespace: "" at module level
    name: str
    is_class: bool = False


def _headers(prompt: str) -> list[Header]:
    return [Header(m.group(1), m.group(3), m.group(2) is not None) for m in _HEADER.finditer(prompt)]


def function_names(prompt: str) -> set[str]:
    """Every function the prompt defines, at any depth."""
    return {h.name for h in _headers(prompt) if not h.is_class}


def target_function(prompt: str) -> Header | None:
    """The function the model writes: the prompt's last `def`, at any depth."""
    return next((h for h in reversed(_headers(prompt)) if not h.is_class), None)


def entry_point(prompt: str) -> str | None:
    """The function the tests call: the top-level `def` that is, or holds, the target function.
    HumanEval puts helpers before the function to complete, and the model continues the last one."""
    headers = _headers(prompt)
    target = max((i for i, h in enumerate(headers) if not h.is_class), default=None)
    if target is None:
        return None
    top = next((h for h in reversed(headers[: target + 1]) if not h.indent), None)
    return top.name if top is not None and not top.is_class else None
