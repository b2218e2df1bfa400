"""Read and write JSON Lines. Each line is decoded on its own: a malformed or undecodable line is
reported with its line number and skipped, so one bad line does not lose a whole file of samples.
Written lines never fail to encode (see `json_line`)."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from core.user_error import MissingFile, UnreadableFile, UserError

# One JSON object as json.loads gives it back: its values may be of any JSON type, so readers check
# the fields they use (core.evaluation.problems checks a problem's; a run's rows are its own writing).
JsonObject = dict[str, Any]

# Where a written row had characters that UTF-8 cannot hold, the dotted paths of those fields.
REPLACED_FIELD = "replaced_surrogates"
# Lone surrogates (from a JSON "\ud800" escape, or a candidate's chr(0xd800)) have no UTF-8 form.
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonlError(UserError, ValueError):
    def __init__(self, path: str, lineno: int, reason: str):
        super().__init__(f"{path}:{lineno}: {reason}")
        self.path, self.lineno, self.reason = path, lineno, reason


def _open(path: str, mode: str, gz: bool | None = None) -> IO[str]:
    if path.endswith(".gz") if gz is None else gz:
        return io.TextIOWrapper(gzip.GzipFile(path, mode + "b"), encoding="utf-8")  # what gzip.open makes of "wt"
    return open(path, mode, encoding="utf-8")


def iter_jsonl(path: str, on_error: Callable[[JsonlError], None] | None = None) -> Iterator[JsonObject]:
    """Yield each object. A malformed line calls on_error (default: raise) and is skipped.
    A missing file raises MissingFile (a FileNotFoundError) with the path in its message, and
    one that cannot be opened raises UnreadableFile."""
    for _, obj in iter_numbered(path, on_error):
        yield obj


def iter_numbered(path: str, on_error: Callable[[JsonlError], None] | None = None) -> Iterator[tuple[int, JsonObject]]:
    """Like iter_jsonl, with the 1-based line number of each object. A UTF-8 byte order mark
    before the first line is not part of it; a .gz file cut short ends with an error on the
    line where it breaks, after every line before it."""
    if not os.path.exists(path):
        raise MissingFile(f"no such file: {path}")

    def bad(lineno: int, reason: str) -> None:
        if on_error is None:
            raise JsonlError(path, lineno, reason)
        on_error(JsonlError(path, lineno, reason))

    lineno = 0
    try:
        opened = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
    except OSError as exc:  # a folder, no permission
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from None
    with opened as f:
        try:
            for lineno, raw in enumerate(f, 1):
                obj = _parse_line(raw.removeprefix(codecs.BOM_UTF8) if lineno == 1 else raw)
                if isinstance(obj, str):
                    bad(lineno, obj)
                elif obj is not None:
                    yield lineno, obj
        except (OSError, EOFError, zlib.error) as exc:
            bad(lineno + 1, f"the file cannot be read from here on ({exc})")


def _parse_line(raw: bytes) -> JsonObject | str | None:
    """The line's object, None for a blank line, or why it is not an object."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return f"malformed JSON ({exc})"
    except RecursionError:  # json's decoder recurses once per level: one hostile line must not end the file
        return "malformed JSON (nested too deeply to read)"
    return obj if isinstance(obj, dict) else f"malformed JSON (expected a JSON object, got {type(obj).__name__})"


def read_jsonl(path: str, on_error: Callable[[JsonlError], None] | None = None) -> list[JsonObject]:
    return list(iter_jsonl(path, on_error))


def without_surrogates(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """`value` with every lone surrogate replaced by U+FFFD, and the dotted paths of the strings
    that held one."""
    if isinstance(value, str):
        return (_SURROGATE.sub("\ufffd", value), [path]) if _SURROGATE.search(value) else (value, [])
    if isinstance(value, dict):
        made: dict[Any, Any] = {}
        replaced: list[str] = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):  # a key is written too: it must encode
                key = _SURROGATE.sub("\ufffd", key)
                replaced.append(_SURROGATE.sub("\ufffd", name))
            made[key], paths = without_surrogates(item, name)
            replaced += [_SURROGATE.sub("\ufffd", p) for p in paths]
        return made, replaced
    if isinstance(value, (list, tuple)):
        items = [without_surrogates(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return [item for item, _ in items], [p for _, paths in items for p in paths]
    return value, []


def json_line(row: Mapping[str, object]) -> str:
    """One line of JSON that always encodes as UTF-8: lone surrogates are replaced, and the fields
    that held them are named under REPLACED_FIELD, so the record says it was changed."""
    clean, replaced = without_surrogates(row)
    if replaced:
        clean[REPLACED_FIELD] = replaced
    return json.dumps(clean, ensure_ascii=False) + "\n"


def write_jsonl(path: str, rows: Iterable[Mapping[str, object]]) -> int:
    """Write rows (atomically: a temp file then rename). Returns the number of rows."""
    tmp, n = f"{path}.tmp{os.getpid()}", 0
    with _open(tmp, "w", gz=path.endswith(".gz")) as f:
        for row in rows:
            f.write(json_line(row))
            n += 1
    os.replace(tmp, path)
    return n
