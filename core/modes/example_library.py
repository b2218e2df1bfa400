"""The shipped example prompts (resources/examples/*.json) for the three kinds of users:
classic programming tasks, examples-only tasks for non-programmers, and sampling-lab demos."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.evaluation.jsonl import JsonObject
from core.modes.entry_point import entry_point
from core.modes.examples import build_spec

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
GROUPS = ("classic", "examples", "lab")


@dataclass(frozen=True)
class LibraryEntry:
    id: str
    title: str
    kind: str  # one of GROUPS
    prompt: str
    tests: str
    entry_point: str
    solution: str  # reference completion, checked by the test suite to pass the tests
    description: str = ""
    table: tuple[list[str], list[list[str]]] | None = None  # examples-kind: header and rows
    sweep: JsonObject = field(default_factory=dict)  # lab-kind: temperatures, n, max_new_tokens
    ambiguous: bool = False  # examples-kind: several different functions fit the table (issue 21's check)


def load_library(folder: Path = RESOURCES / "examples") -> list[LibraryEntry]:
    return [entry for group in GROUPS for entry in load_entries(folder / f"{group}.json")]


def load_entries(path: Path) -> list[LibraryEntry]:
    """The entries of one file in the library's format (also the benchmarks' held-apart tables)."""
    entries = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        if item["kind"] == "examples":
            # Examples-only tasks hold just the table: prompt and tests are derived, as in the app.
            spec = build_spec(item["header"], item["rows"], item["description"])
            prompt, tests, entry = spec.prompt, spec.tests, spec.name
        else:
            prompt, tests = item["prompt"], item["tests"]
            found = entry_point(prompt)
            if found is None:
                raise ValueError(f"example {item['id']} defines no top-level function")
            entry = found
        entries.append(
            LibraryEntry(
                id=item["id"],
                title=item["title"],
                kind=item["kind"],
                prompt=prompt,
                tests=tests,
                entry_point=entry,
                solution=item["solution"],
                description=item.get("description", ""),
                table=(item["header"], item["rows"]) if "header" in item else None,
                sweep=item.get("sweep", {}),
                ambiguous=item.get("ambiguous", False),
            )
        )
    return entries
