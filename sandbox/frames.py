"""Length-prefixed JSON frames, the one format every message between the sandbox's processes
takes (the pool and its workers, the worker and the judge, the judge and the candidate)."""

from __future__ import annotations

import json
import json.encoder
import json.scanner
import os
import struct
import sys
from collections.abc import Callable
from typing import Any

MAX_FRAME = 16 << 20  # bytes; a bigger frame from a child is a protocol error
# A candidate's reply to one call: decoding it runs in the judge, so its cost is capped. JSON
# builds a list per "[" before any check of ours can look at the value; a frame of nothing but
# empty lists took the judge seconds and 400 MB at 16 MiB; a million lists take it 0.2 s and 80 MB.
# Room for 200,000 pairs or floats in one answer (each a tagged list of its own; probe 7).
REPLY_LIMITS = (8 << 20, 1 << 20)  # bytes, lists
_HEADER = struct.Struct("<I")
# How deep JSON's C reader and writer may nest (as deep as the recursion limit lets them): deep
# enough for sandbox.codec's deepest values (a linked list's node takes four levels), far from
# what overflows the C stack (a limit the tests raised let a frame of 262,143 "[" kill the judge;
# 40,000 levels read and wrote in 8 MiB of stack, measured).
_NESTING_LIMIT = 12_000


class FrameError(Exception):
    """A malformed or truncated frame, or one over its limits."""


class Truncated(FrameError):
    """The writer's end closed mid-frame: it died, or was killed, while writing."""


# json's C encoder and scanner, built once: json.dumps and json.loads build an encoder object
# and detect the text encoding on every call, which was 3.4 of 4.5 µs per frame encoded and
# decoded (measured), and a fresh candidate process copied the pages that machinery touches.
# No circular check: frames are trees (sandbox.codec builds new lists), and a cycle would still
# end in a RecursionError. typeshed does not declare these C accelerators, hence the ignores.
_encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
)
_scan = json.scanner.c_make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def dumps(obj: object) -> bytes:
    return "".join(_nested(_encode, obj, 0)).encode()


def loads(data: bytes) -> Any:  # any JSON value (json's scanner is untyped): each reader checks the shape it expects
    """One JSON value in UTF-8 with nothing around it (what dumps writes)."""
    try:
        text = data.decode()
        obj, end = _nested(_scan, text, 0)
    except FrameError:
        raise
    except (ValueError, StopIteration) as exc:
        raise FrameError(f"malformed frame: {type(exc).__name__}") from None
    if end != len(text):
        raise FrameError("malformed frame: data after the value")
    return obj


def _nested(run: Callable[[Any, int], Any], value: Any, start: int) -> Any:
    """`run(value, start)`, json's C reader or writer, which nests as deep as the recursion limit
    lets it: first under the limit as it is (most frames are shallow, and changing the limit costs
    each frame), and again under _NESTING_LIMIT where that was too low for it. A limit the tests
    raised is lowered to it first: under one of a million, 262,143 "[" overflowed the C stack."""
    limit = sys.getrecursionlimit()
    if limit <= _NESTING_LIMIT:
        try:
            return run(value, start)
        except RecursionError:
            pass
    try:
        sys.setrecursionlimit(_NESTING_LIMIT)
    except RecursionError:  # already deeper than that: the stack has room for what it holds
        pass
    try:
        return run(value, start)
    except RecursionError:
        raise FrameError("value nested too deeply") from None
    finally:
        sys.setrecursionlimit(limit)


def write_frame(fd: int, obj: object) -> None:
    write_data(fd, dumps(obj))


def write_data(fd: int, data: bytes) -> None:
    """A frame of `data`, a value as `dumps` wrote it."""
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_exact(fd: int, n: int) -> bytes | None:
    """n bytes, or None on EOF before the first byte; a short read mid-frame is an error."""
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            if got == 0:
                return None
            raise Truncated("truncated frame")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, limits: tuple[int, int] = (MAX_FRAME, MAX_FRAME)) -> Any:  # what loads returns
    """The next decoded frame, or None on a clean EOF. limits: the most bytes, and the most
    "[" in them (an upper bound on the lists decoding would build), the frame may hold."""
    head = read_exact(fd, _HEADER.size)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    if size > limits[0]:
        raise FrameError(f"frame of {size} bytes is over the {limits[0]}-byte limit")
    body = read_exact(fd, size)
    if body is None:
        raise Truncated("truncated frame")
    if size > limits[1] and body.count(b"[") > limits[1]:
        raise FrameError(f"frame with more than {limits[1]} lists")
    return loads(body)
