"""What the CLI writes to standard output and standard error, made safe to show on a terminal.

Much of it was written by no one here: candidates' code and first lines, docstrings, the messages
of their exceptions and the tails of what they printed, a server's error text, a model's name.
Raw, such text drives the terminal (core.displayable says how): a failing candidate's first line
could paint "7 of 7 tests passed" over its row.

`core.displayable.displayable` turns every such character into a visible escape.
`neutralised_output` installs it on both streams for the whole command, so no print, present or
future, can forget it. The CLI's own progress lines redraw themselves with a carriage return and
carry only numbers: they write to `progress_stream()`, the stream beneath. Files written with
--out are data and keep the exact text.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO, cast

from core.displayable import displayable

# Third-party progress bars (transformers' "Loading weights") redraw with a carriage return that
# this module would show as an escape: the CLI turns them off (huggingface_hub reads this when a
# command first imports it); its own progress messages say what is being loaded.
PROGRESS_BARS_OFF = ("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class _Neutralising(io.TextIOBase):
    """A text stream that writes what it is given to `inner`, made displayable."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, s: str) -> int:
        self.inner.write(displayable(s))
        return len(s)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        if not self.inner.closed:  # closing this wrapper when it is collected flushes it, maybe late
            self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase's is a plain attribute
        return self.inner.encoding


@contextmanager
def neutralised_output() -> Iterator[None]:
    """Standard output and standard error show only displayable text until the block ends."""
    saved = sys.stdout, sys.stderr
    variable, value = PROGRESS_BARS_OFF
    set_here = variable not in os.environ  # a user's own setting wins
    if set_here:
        os.environ[variable] = value
    # Already wrapped (a command run from another): once is enough, escapes are plain ASCII.
    sys.stdout, sys.stderr = (s if isinstance(s, _Neutralising) else cast(TextIO, _Neutralising(s)) for s in saved)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        if set_here:
            os.environ.pop(variable, None)


def progress_stream() -> TextIO:
    """Standard error beneath `neutralised_output`, for the CLI's own progress lines only: they
    return to the start of the line with a carriage return, and show nothing but numbers."""
    err = sys.stderr
    return err.inner if isinstance(err, _Neutralising) else err
