"""The shape of a session export (`SessionStore.export_json`), checked whole before import writes
anything: a file that is not one, or one edited by hand, is refused with one sentence saying where
it is wrong (BadSessionExport), never stored only to break the window that opens it later."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.evaluation.jsonl import JsonObject
from core.remote.chunks import UNKNOWN_TOKEN_ID, logprob_or_none
from core.sampling.candidate import Candidate
from core.user_error import UserError, read_bytes

# Far deeper than any tab's document: a value nested near Python's recursion limit would overflow it
# when the store writes it back as JSON.
DEEPEST = 64
_SQLITE_INTEGERS = 2**63
_SPIN_BOX_INTEGERS = 2**31  # what the window's number fields take (desktop_app.controls_panel)

Check = Callable[[object], bool]
Spec = Mapping[str, tuple[Check, str, bool]]  # field: (check, what its value must be, required)


class BadSessionExport(UserError, ValueError):
    """A file given to import that is not a session export this app reads. Still a ValueError, as
    import's refusals were before."""


@dataclass(frozen=True)
class SessionExport:
    session: JsonObject
    candidates: list[Candidate]
    results: dict[int, JsonObject]  # by sample index, with "passed"
    documents: dict[str, tuple[Any, int]]  # by kind: the document and the version of its shape


def read_export(path: Path) -> object:
    """The JSON of the session file the user gave, for `SessionStore.import_json`."""
    data = read_bytes(path, "session file")
    try:
        return json.loads(data)
    # Not JSON or not UTF-8; an integer past int()'s digit limit; nesting past the recursion limit.
    except (ValueError, RecursionError) as exc:
        raise BadSessionExport(f"it is not a JSON file this app reads ({exc})") from None


def checked_export(data: object, newest: int) -> SessionExport:
    """`data` as a session export of format `newest` or older, or BadSessionExport."""
    if not isinstance(data, dict) or data.get("format") != "codesynth-session":
        raise BadSessionExport("not a CodeSynth session export")
    version = data.get("version")
    if type(version) is not int or version > newest:
        raise BadSessionExport(
            f"it was exported by a newer version of CodeSynth Studio (format {version}, "
            f"this one reads up to {newest}): update the app to import it"
        )
    if _too_deep(data):
        raise BadSessionExport(f"it nests lists or objects more than {DEEPEST} deep, deeper than a session export")
    session = _fields(_required(data, "session", _is_object, "an object"), _SESSION, "its session")
    _fields(session["params"], _PARAMS, "its session's parameters")
    rows = _required(data, "candidates", _is_list, "a list")
    candidates = [Candidate.from_json(_fields(row, _CANDIDATE, f"its candidate {n}")) for n, row in enumerate(rows, 1)]
    results = {}
    for key, row in _required(data, "results", _is_object, "an object").items():
        if not (key.isdecimal() and len(key) <= 18):
            raise BadSessionExport(f'in its "results", {key[:20]!r} is not a sample index')
        results[int(key)] = _fields(row, _RESULT, f"its result for sample {key}")
    documents = _required(data, "documents", _is_object, "an object")
    # Exports before format 3 hold version-1 documents only and say nothing of versions.
    versions = _fields(data.get("document_versions", {}), dict.fromkeys(documents, _VERSION), "its document versions")
    if not all(_stored_text(kind) for kind in documents):
        raise BadSessionExport('its "documents" name a kind that is not valid text')
    return SessionExport(
        session, candidates, results, {kind: (doc, versions.get(kind, 1)) for kind, doc in documents.items()}
    )


def _fields(value: object, spec: Spec, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise BadSessionExport(f"{where} is not an object")
    problem = _problem(value, spec)
    if problem is not None:
        raise BadSessionExport(f"in {where}, {problem}")
    return value


def _problem(value: JsonObject, spec: Spec) -> str | None:
    """What is wrong with `value`'s fields, or None."""
    for key, (check, what, required) in spec.items():
        if key in value:
            if not check(value[key]):
                return f'"{key}" is not {what}'
        elif required:
            return f'"{key}" is missing'
    return None


def _required(data: JsonObject, key: str, check: Check, what: str) -> Any:
    if key not in data:
        raise BadSessionExport(f'it has no "{key}"')
    if not check(data[key]):
        raise BadSessionExport(f'its "{key}" is not {what}')
    return data[key]


def _too_deep(value: object) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > DEEPEST:
                return True
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return False


def _is_list(value: object) -> bool:
    return isinstance(value, list)


def _is_object(value: object) -> bool:
    return isinstance(value, dict)


def _text(value: object) -> bool:
    return isinstance(value, str)


def _stored_text(value: object) -> bool:
    """Text SQLite stores as it is: a lone surrogate (valid in JSON) cannot be written as UTF-8."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(value: object) -> bool:
    return type(value) in (int, float)


def _logprob(value: object) -> bool:
    # What a model gives: a file claiming +7 or NaN would rank its candidate first or scramble the rest.
    return logprob_or_none(value) is not None


def _truth(value: object) -> bool:
    return type(value) is bool


def _whole(low: int, high: int) -> Check:
    return lambda value: type(value) is int and low <= value < high


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


def _or_none(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _alternative(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and _text(value[0]) and _logprob(value[1])


_INDEX = (_whole(0, _SQLITE_INTEGERS), "a whole number from 0", True)
_VERSION = (_whole(1, _SQLITE_INTEGERS), "a whole number from 1", False)
_SESSION: Spec = {
    **{key: (_stored_text, "valid text", True) for key in ("name", "kind", "prompt", "tests", "model", "state")},
    "params": (_is_object, "an object", True),
}
# What the window's controls show of a reopened session (ControlsPanel.set_params).
_PARAMS: Spec = {
    **{
        key: (_or_none(_whole(-_SPIN_BOX_INTEGERS, _SPIN_BOX_INTEGERS)), "a whole number", False)
        for key in ("n", "top_k", "max_new_tokens", "seed")
    },
    "temperature": (_or_none(_number), "a number", False),
    "top_p": (_or_none(_number), "a number", False),
    "stop": (_or_none(_list_of(_text)), "a list of texts", False),
    "mode": (_text, "text", False),
}
_CANDIDATE: Spec = {
    "index": _INDEX,
    "completion": (_text, "text", True),
    "raw_text": (_text, "text", False),
    # A server's tokens have no ids: UNKNOWN_TOKEN_ID stands for each.
    "token_ids": (_list_of(_whole(UNKNOWN_TOKEN_ID, _SQLITE_INTEGERS)), "a list of whole numbers", False),
    "token_logprobs": (_list_of(_logprob), "a list of log-probs (numbers, none above 0)", False),
    "finish_reason": (_text, "text", False),
    "elapsed_s": (_number, "a number", False),
    "tokens": (_list_of(_text), "a list of texts", False),
    "top_logprobs": (_list_of(_list_of(_alternative)), "a list of lists of [text, log-prob] pairs", False),
    "degenerate": (_or_none(_text), "text or null", False),
}
# sandbox.results.TestCaseResult, whose constructor takes these fields and no others.
_CASE: Spec = {
    "index": _INDEX,
    "name": (_text, "text", True),
    "line": _INDEX,
    "status": (_text, "text", True),
    "message": (_text, "text", False),
}


def _case(value: object) -> bool:
    return isinstance(value, dict) and set(value) <= set(_CASE) and _problem(value, _CASE) is None


# sandbox.results.RunResult.to_json, as the window reads it back.
_RESULT: Spec = {
    "passed": (_truth, "true or false", True),
    "status": (_text, "text", True),
    "cases": (_list_of(_case), 'a list of test cases (objects with "index", "name", "line" and "status")', False),
    "stdout_tail": (_text, "text", False),
    "stderr_tail": (_text, "text", False),
    "wall_ms": (_number, "a number", False),
    "peak_rss_kb": (_whole(0, _SQLITE_INTEGERS), "a whole number from 0", False),
    "human_eval_result": (_text, "text", False),
}
