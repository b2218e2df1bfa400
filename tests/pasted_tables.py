"""A pasted table as the app reads it, for the tests of how tables are read."""

from core.modes.example_files import table_from_text
from core.modes.examples import build_spec


def spec_of(text: str):
    """The table read from pasted `text`, and the spec built from it."""
    table = table_from_text(text, "pasted")
    return table, build_spec(table.header, table.rows, "")


def values(spec):
    """Each example as ([input values], expected value)."""
    return [([c.value for c in inputs], expected.value) for inputs, expected in spec.rows]
