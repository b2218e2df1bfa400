"""Text that no one here wrote, made safe to show: every character that acts on a display or
hides from the reader becomes a visible escape.

Much of what the app shows comes from candidates and models: code, docstrings, the messages of
exceptions and the tails of what a program printed, a server's error text. Raw, such text can
make what is shown differ from what is there. On a terminal, ESC sequences (and their one-character
C1 form, U+009B CSI) move the cursor and erase lines, and a carriage return rewrites the line. In
a terminal and in a window alike, bidi overrides and isolates ("Trojan Source") reorder what is
drawn, so shown code reads differently from the code that runs, and zero-width characters hide.

The CLI's streams (core.cli.terminal) and the window's views of such text (desktop_app) both show
it through `displayable`. Files, the clipboard and the session store keep the exact text.
"""

from __future__ import annotations

import re
import unicodedata

# The categories whose characters act on the display or hide from the reader: control characters
# (C0, DEL, C1), format characters (bidi embeddings, overrides and isolates, zero-width joiners and
# spaces, the byte order mark, tag characters), lone surrogates, and the line and paragraph
# separators that some terminals and editors break lines at.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Printable ASCII, newline and tab are shown as they are; everything else is looked at.
_SUSPECT = re.compile(r"[^\t\n\x20-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) not in HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    if code > 0xFFFF:  # JSON has no \U escape: a surrogate pair, as json.dumps writes one
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def displayable(text: str) -> str:
    """`text` with every control, format and separator character but newline and tab written as
    a \\uXXXX escape. Only \\u is used (not \\x): inside a JSON string the escape means the same
    character, so JSON that json.dumps left raw (DEL, C1, and with ensure_ascii=False the bidi
    controls) stays valid and says the same. Backslashes are left alone: JSON already escapes its
    own, and escapes json.dumps wrote are plain ASCII that this does not touch again."""
    return _SUSPECT.sub(_escaped, text)


def spelled(text: str) -> str:
    """`text`, and where it holds characters beyond ASCII, its ASCII spelling too: an answer a
    person is asked to choose may only look like another ('Неllo ' in Cyrillic letters is not
    'Hello '), and a choice between look-alikes must show how they differ."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if ascii_text == text else f"{text} (written {ascii_text})"


def one_line(text: str, limit: int) -> str:
    """`text` on one line of at most `limit` characters, its line breaks shown as ⏎ and a cut shown
    as …: a candidate's exception message or a server's error text, printed with its own line
    breaks, would write lines that read as the program's own ("rank 1: all 4 candidates passed")."""
    flat = " ⏎ ".join(line for line in text.splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def first_few(places: list[str]) -> str:
    """The first three of the places a note names, and "..." for more."""
    return "; ".join(places[:3]) + ("; ..." if len(places) > 3 else "")
