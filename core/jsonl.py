"""Read and write JSON Lines. Malformed lines are reported with their line number and
skipped, so one bad line does not lose a whole file of samples."""
from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterable, Iterator


class JsonlError(ValueError):
    def __init__(self, path: str, lineno: int, reason: str):
        super().__init__(f"{path}:{lineno}: {reason}")
        self.path, self.lineno, self.reason = path, lineno, reason


def _open(path: str, mode: str, gz: bool | None = None):
    if path.endswith(".gz") if gz is None else gz:
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def iter_jsonl(path: str, on_error: Callable[[JsonlError], None] | None = None) -> Iterator[dict]:
    """Yield each object. A malformed line calls on_error (default: raise) and is skipped.
    A missing file raises FileNotFoundError with the path in its message."""
    for _, obj in iter_numbered(path, on_error):
        yield obj


def iter_numbered(path: str, on_error: Callable[[JsonlError], None] | None = None) -> Iterator[tuple[int, dict]]:
    """Like iter_jsonl, with the 1-based line number of each object."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    with _open(path, "r") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
            except ValueError as exc:
                err = JsonlError(path, lineno, f"malformed JSON ({exc})")
                if on_error is None:
                    raise err from None
                on_error(err)
                continue
            yield lineno, obj


def read_jsonl(path: str, on_error: Callable[[JsonlError], None] | None = None) -> list[dict]:
    return list(iter_jsonl(path, on_error))


def write_jsonl(path: str, rows: Iterable[dict]) -> int:
    """Write rows (atomically: a temp file then rename). Returns the number of rows."""
    tmp, n = f"{path}.tmp{os.getpid()}", 0
    with _open(tmp, "w", gz=path.endswith(".gz")) as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    return n
