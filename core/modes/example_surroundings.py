"""What surrounds a table of examples where people paste one from an e-mail or a chat: quoting
marks, a code fence, the prose of a chat's answer around a Markdown table, a signature below.
Each is left out, and `notes` says so: it was read as rows, or made the table refused."""

from __future__ import annotations

import re

from core.displayable import one_line

# How an e-mail closes, on the line that follows the table and an empty line.
_SIGN_OFF = re.compile(
    r"^(sent from my|kind regards|best regards|regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely"
    r"|yours|mit freundlichen gr(ü|ue)(ß|ss)en|viele gr(ü|ue)(ß|ss)e|cordialement|bien (à|a) vous)\b",
    re.IGNORECASE,
)
# A code fence, as a chat writes a table it quotes: ``` or ```csv.
_FENCE = re.compile(r"^\s*(```|~~~)[\w+-]*\s*$")
# A line under a Markdown table's column names: |---|:--:|, or |-|-| (probe 8).
MARKDOWN_RULE = re.compile(r"^:?-+:?$|^$")


def table_alone(text: str, notes: list[str]) -> str:
    """`text` without the quoting, fences and prose around the table it holds."""
    return _markdown_table(_fenced(_unquoted(text, notes), notes), notes)


def is_markdown_rule(line: str) -> bool:
    """Whether a line is the rule under a Markdown table's column names."""
    return "-" in line and all(MARKDOWN_RULE.match(cell.strip()) for cell in line.strip().strip("|").split("|"))


def _unquoted(text: str, notes: list[str]) -> str:
    """A table quoted in an e-mail reply, every line starting with '>', without the quoting."""
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > 1 and all(
        line.startswith(">") for line in lines if line.strip()
    ):
        notes.append("every line starts with '>', as a quoted e-mail's do: the marks are left out")
        return "\n".join(re.sub(r"^(>\s?)+", "", line) for line in lines)
    return text


def _fenced(text: str, notes: list[str]) -> str:
    """The lines between a chat's code fences (a closing ``` was refused as a row of one cell,
    probe 8), and what was written around them in a note."""
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if _FENCE.match(line)]
    if not fences:
        return text
    start, end = (fences[0] + 1, fences[1]) if len(fences) > 1 else (0, len(lines))
    outside = [line for i, line in enumerate(lines) if (i < start or i >= end) and i not in fences]
    _outside(outside, "around the code fences", notes)
    return "\n".join(line for i, line in enumerate(lines[start:end], start) if i not in fences)


def _markdown_table(text: str, notes: list[str]) -> str:
    """A Markdown table without a chat's prose above and below it ("Here you go:"), which made the
    table refused for cells no comma separates, or split at the prose's commas (probe 8)."""
    lines = text.splitlines()
    rule = next((i for i in range(1, len(lines)) if "|" in lines[i - 1] and is_markdown_rule(lines[i])), None)
    if rule is None:
        return text
    start, end = rule - 1, rule + 1
    while end < len(lines) and "|" in lines[end]:
        end += 1
    _outside(lines[:start] + lines[end:], "around the Markdown table", notes)
    return "\n".join(lines[start:end])


def _outside(lines: list[str], where: str, notes: list[str]) -> None:
    written = " ".join(line.strip() for line in lines if line.strip())
    if written:
        notes.append(f"{one_line(written, 60)!r}, {where}, is left out")


def without_sign_off(text: str, header: str, notes: list[str]) -> str:
    """`text` up to a greeting that closes an e-mail below the table ("Kind regards, Maria"),
    which read as one more example."""
    lines = text.splitlines()
    start = lines.index(header) if header in lines else 0
    for at in range(start + 1, len(lines)):
        # After an empty line, at the end, without a number: a row "Best,2" is an example.
        below = [line for line in lines[at:] if line.strip()]
        closing = len(below) <= 3 and not any(ch.isdigit() for line in below for ch in line)
        if not lines[at - 1].strip() and _SIGN_OFF.match(lines[at].strip()) and closing:
            signature = " ".join(line.strip() for line in below)
            notes.append(f"{one_line(signature, 60)!r}, below the table, is read as a signature and left out")
            return "\n".join(lines[:at])
    return text
