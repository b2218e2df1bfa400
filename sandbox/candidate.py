"""The candidate process: loads prompt + completion and answers calls (sandbox.calls).

Everything here is untrusted once the model's code has run: the candidate may rewrite
this loop, its memory or its output at will. The judge treats what arrives as a mere
return value to check, so nothing this process does can turn into a "pass".
"""

from __future__ import annotations

import _sitebuiltins
import builtins
import os
import resource
import select
import sys
from collections.abc import Iterable
from types import CodeType
from typing import Any, TextIO

from sandbox import call_pipes, calls, frames, raised
from sandbox.codec import Plain

FILENAME = "<candidate>"
MAX_PRECOMPILED_CHARS = 1 << 17  # bigger sources are compiled by the candidate, under its rlimits
_CO_GENERATOR, _CO_COROUTINE = 0x20, 0x80  # inspect.CO_GENERATOR, CO_COROUTINE


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass


class _Printed:
    """sys.stdout or sys.stderr as the candidate's code sees it: the real stream, which the app
    shows, and a copy of the text written since the last answer, which goes with it to the tests
    (they may capture it with redirect_stdout or redirect_stderr). The copy keeps the first
    MOST_PRINTED_CHARS."""

    # Output and errors each, within a reply's 4 MiB as JSON writes them (up to 6 bytes a character).
    MOST_PRINTED_CHARS = 1 << 18

    def __init__(self, stream: TextIO):
        self._stream, self._parts, self._size = stream, list[str](), 0

    def write(self, text: str) -> int:
        if type(text) is str and self._size < self.MOST_PRINTED_CHARS:
            self._parts.append(text[: self.MOST_PRINTED_CHARS - self._size])
            self._size += len(self._parts[-1])
        return self._stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def taken(self) -> str:
        """The text printed since the last call of this, once the stream is flushed."""
        _flush()
        text, self._parts, self._size = "".join(self._parts), [], 0
        return text

    def __getattr__(self, name: str) -> object:  # flush, fileno, encoding, buffer...: the real stream's
        return getattr(self._stream, name)


def _kind_of(function: object) -> str:
    """What the judge makes its stand-in of the function under test (sandbox.under_test), read from
    its code's flags (inspect would cost each candidate its import)."""
    flags = getattr(getattr(function, "__code__", None), "co_flags", 0)
    flags = flags if type(flags) is int else 0
    return "generator" if flags & _CO_GENERATOR else "async" if flags & _CO_COROUTINE else ""


def _taken(printed: _Printed, errors: _Printed) -> Plain:
    """What the candidate wrote since its last frame, as sandbox.calls sends it."""
    text, error_text = printed.taken(), errors.taken()
    both: list[Plain] = [text, error_text]
    return both if error_text else text


def precompiled(source: str) -> CodeType | str:
    """The code object of `source`, for the worker to send (marshalled) with the job.

    Compiling in a freshly forked candidate cost about 1.1 ms of CPU per run, nearly all of it
    copy-on-write faults on the compiler's memory; the worker, warm, compiles the same source
    in 20 µs (measured). Compiling runs no code, but its cost is not always the source's size:
    CPython writes a `finally` block again for every way out of its `try`, so nested ones with
    early returns grow exponentially (a 1.6 KB source took 2 GB and 11 s to compile). The worker
    has no memory or CPU limit, so such sources, like very long ones, go as text and the candidate
    compiles them under its own. The source itself too when it does not compile: the candidate
    then compiles it and reports the error, exactly as before."""
    if len(source) > MAX_PRECOMPILED_CHARS or "finally" in source:
        return source
    try:
        # dont_inherit: this module's __future__ imports must not change how the model's code runs.
        return compile(source, FILENAME, "exec", dont_inherit=True)
    except Exception:  # noqa: BLE001 - SyntaxError, ValueError (NUL bytes), RecursionError, ...
        return source


def serve(program: CodeType | str, entry_point: str, req_fd: int, resp_fd: int) -> None:
    # exit() and quit(), which the site module adds and the worker (python -I -S) never loads: a
    # program written for a judge of competition problems ends with exit(0) (held-out probe 9).
    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")
    ns: dict[str, Any] = {"__name__": "__candidate__"}
    try:
        if isinstance(program, str):
            program = compile(program, FILENAME, "exec", dont_inherit=True)
        exec(program, ns)
        fn = ns[entry_point]
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a failure too
        _flush()
        frames.write_frame(resp_fd, ["exc", type(exc).__name__, raised.text_of(exc)])
        return
    _flush()
    frames.write_frame(resp_fd, ["ready", _kind_of(fn)])
    printed, errors = _Printed(sys.stdout), _Printed(sys.stderr)
    sys.stdout, sys.stderr = printed, errors  # text streams in all but name
    # Arguments this side cannot rebuild (a class only the tests define) fail the call.
    # Peak RSS rides along with each answer for display only; no verdict depends on it.
    peer = calls.Peer(
        call_pipes.CANDIDATE,
        resp_fd,
        req_fd,
        classes=ns,
        printed=lambda: _taken(printed, errors),
        rss=lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )
    peer.own(fn, fn)  # handle 0, which the judge calls as the function under test
    peer.serve()


def main_in_child(program: CodeType | str, entry_point: str, req_fd: int, resp_fd: int) -> None:
    """Entry in the forked candidate; never returns. When the judge is done it waits to be
    killed instead of exiting: the worker may first read the kernel's account of this
    process's memory (a reported MemoryError is checked against it)."""
    try:
        serve(program, entry_point, req_fd, resp_fd)
    except BaseException:  # noqa: BLE001
        pass
    _flush()
    try:
        while True:
            select.select([], [], [])
    finally:
        os._exit(0)
