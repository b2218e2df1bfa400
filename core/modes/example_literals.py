"""A cell that opens a Python literal ([, (, {, a quote) but is none: text as people write it,
a list or dict written as JSON, or a typo to explain in plain words (core.modes.example_cells)."""

from __future__ import annotations

import json
import re

from core.modes.source_check import plain_message

# Round brackets around something with a letter in it: "(cancelled)", "(1 of 3)".
BRACKETED_WORDS = re.compile(r"^\((?=[^()]*[^\W\d_])[^()]*\)$")  # a lookahead: linear on a long cell
# Words in brackets, with commas between them and no quotes: [apple, banana].
_BARE_WORDS = re.compile(r"^[\[({]((?:\s*[^\W\d]\w*\s*,)+\s*[^\W\d]\w*\s*)[\])}]$")


def json_container(text: str) -> object:
    """A list or dict written as JSON (true, false, null), or None."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (list, dict)) else None


def why_invalid(text: str, exc: Exception) -> str:
    """In plain words, why `text`, which opens a Python literal, is none."""
    words = _BARE_WORDS.match(text)
    if words:  # [apple, banana]
        quoted = ", ".join(repr(word.strip()) for word in words[1].split(","))
        return f"text inside goes in quotes: {text[0]}{quoted}{text[-1]}"
    if BRACKETED_WORDS.match(text):  # "(end of support, 2026)": a remark, or a tuple (probe 14)
        return f"if it is one text, write it in quotes: {text!r}; if several values, put each text in quotes"
    return plain_message(exc.msg) if isinstance(exc, SyntaxError) else "only plain values can be written here"


def opens_text(text: str) -> bool:
    """Whether a cell that starts with a quote mark is text that starts so ('s-Hertogenbosch,
    "Hello," she said) rather than a Python string with a typo: it does not end with that mark."""
    return text[0] in "'\"" and (len(text) == 1 or text[-1] != text[0])


def closes_early(text: str) -> bool:
    """Whether the bracket `text` opens closes before its end: "(555) 123-4567" and "[draft] notes"
    are text as people write it, where "[1, 2" is a list with a typo."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    if text[0] not in pairs:
        return False
    depth = 0
    for at, char in enumerate(text):
        depth += (char == text[0]) - (char == pairs[text[0]])
        if depth == 0:
            return at < len(text) - 1
    return False
