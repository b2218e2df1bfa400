"""The candidate process: loads prompt + completion and answers calls with plain data.

Everything here is untrusted once the model's code has run: the candidate may rewrite
this loop, its memory or its output at will. The judge treats what arrives as a mere
return value to check, so nothing this process does can turn into a "pass".
"""
from __future__ import annotations

import os
import resource
import sys

from sandbox import codec


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001
        return "<unprintable>"


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass


def serve(source: str, entry_point: str, req_fd: int, resp_fd: int) -> None:
    ns = {"__name__": "__candidate__"}
    try:
        exec(compile(source, "<candidate>", "exec"), ns)
        fn = ns[entry_point]
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a failure too
        _flush()
        codec.write_frame(resp_fd, ["exc", type(exc).__name__, _text(exc)])
        return
    _flush()
    codec.write_frame(resp_fd, ["ready"])
    while True:
        request = codec.read_frame(req_fd)
        if request is None:
            return
        args, kwargs = codec.from_plain(request[0]), codec.from_plain(request[1])
        try:
            reply = ["ok", codec.to_plain(fn(*args, **kwargs))]
        except BaseException as exc:  # noqa: BLE001
            reply = ["exc", type(exc).__name__, _text(exc)]
        _flush()
        # Peak RSS rides along for display only; no verdict depends on it.
        reply.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        codec.write_frame(resp_fd, reply)


def main_in_child(source: str, entry_point: str, req_fd: int, resp_fd: int) -> None:
    """Entry in the forked candidate; never returns."""
    try:
        serve(source, entry_point, req_fd, resp_fd)
    except BaseException:  # noqa: BLE001
        pass
    _flush()
    os._exit(0)
