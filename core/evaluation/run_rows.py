"""Reading back the JSONL files of an eval run directory (written by core.evaluation.evaluate), as a
resumed run and a report do: each line is named when it cannot be used, and a verdict counts only
for the completion it was made from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import TypeVar

from core.evaluation.jsonl import JsonlError, JsonObject, iter_numbered

K = TypeVar("K", bound=Hashable)

# The completion a verdict or behaviour row was made from: a sample edited after its verdict (or
# lost and generated again) is tested again instead of keeping a verdict of other code.
COMPLETION_SHA256 = "completion_sha256"
# A line that cannot be read is refused rather than skipped, as that loses least: it may be the
# only copy of a sample that cost model time, which the user can mend (two processes' lines run
# together can be split again); a deleted line costs only that sample's generation or test, while a
# skipped one would stay in the file, to be skipped again by every later resume and report.
MEND = (
    "mend or delete that line (a deleted sample is generated again, a deleted verdict tested again) "
    "and run the same command"
)


def completion_digest(completion: str) -> str:
    return hashlib.sha256(completion.encode("utf-8", "surrogatepass")).hexdigest()


def read_rows(path: Path, key: Callable[[JsonObject], K]) -> dict[K, JsonObject]:
    """The rows of a JSONL file the run appends to, by `key`; a later row of a key replaces an
    earlier one (a verdict made again after its sample changed). A kill during a write can leave a
    torn last line: it is cut off the file so that the next append starts on a clean line. Any other
    line that is no JSON object, or whose key raises KeyError, TypeError or ValueError, is a
    JsonlError (a UserError) naming the file and line."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(end)

    def refuse(err: JsonlError) -> None:
        raise JsonlError(err.path, err.lineno, f"{err.reason}: {MEND}")

    rows: dict[K, JsonObject] = {}
    for lineno, row in iter_numbered(str(path), on_error=refuse):
        try:
            rows[key(row)] = row
        except (KeyError, TypeError, ValueError) as exc:
            refuse(JsonlError(str(path), lineno, f"not a row of this run ({type(exc).__name__}: {exc})"))
    return rows


def made_from(samples: Mapping[K, JsonObject], rows: Mapping[K, JsonObject]) -> dict[K, JsonObject]:
    """The rows (verdicts, behaviours) made from the completion now in `samples` under their key.
    The others, of an edited or regenerated sample or written before rows named their completion,
    are left out to be made again."""
    return {
        key: row
        for key, row in rows.items()
        if key in samples and row.get(COMPLETION_SHA256) == completion_digest(samples[key]["completion"])
    }
