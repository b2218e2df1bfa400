"""Every shipped example has tests, and its reference solution passes them in the real sandbox."""

from pathlib import Path

import pytest

from core.modes.example_library import GROUPS, load_entries, load_library
from sandbox import Program, SandboxPool

LIBRARY = load_library()
# The benchmark's tables kept apart from the shipped ones (benchmarks/bench_examples.py --tables).
DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
DEV_TABLES = [
    entry
    for name in ("example_tables", "example_tables_2", "example_tables_3", "example_tables_4", "example_tables_5")
    for entry in load_entries(DATA / f"{name}.json")
]


def test_library_covers_the_three_kinds_of_users():
    assert {e.kind for e in LIBRARY} == set(GROUPS)
    assert len({e.id for e in LIBRARY}) == len(LIBRARY)
    for entry in LIBRARY:
        assert "def check(candidate):" in entry.tests and "assert" in entry.tests
        if entry.kind == "lab":
            assert entry.sweep["temperatures"] and entry.sweep["n"] >= 2


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(workers=1) as p:
        yield p


@pytest.mark.parametrize("entry", LIBRARY + DEV_TABLES, ids=[e.id for e in LIBRARY + DEV_TABLES])
def test_reference_solution_passes_and_a_wrong_one_fails(entry, pool):
    right = pool.submit(Program(entry.prompt, entry.solution, entry.tests, entry.entry_point)).result()
    assert right.passed, (right.status, right.cases)
    wrong = pool.submit(Program(entry.prompt, "    return None\n", entry.tests, entry.entry_point)).result()
    assert not wrong.passed
