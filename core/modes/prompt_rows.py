"""Which rows of a table of examples the prompt shows. Every row is checked (core.modes.examples'
tests), but a pasted spreadsheet of hundreds of rows would not fit the model's context, and would
cost seconds of reading per hundred rows for little more than a dozen rows teach it. A table of
a usual size is shown whole.

A large table is shown by a sample that a reader would pick: every kind of answer once where there
are few kinds (a category, yes or no: a sorted table's first rows may all give the same one), the
two rows on each side of a place where the answer changes from one row to the next, where there
are few such places (a sorted table of ages and ticket prices: 11 and 12, 64 and 65, which the
rule's thresholds lie between), then rows spread evenly over the table (a sorted table's first
rows are all small). The sample keeps the table's order.
"""

from __future__ import annotations

from collections.abc import Sequence

# The most rows, and characters of their doctests, that a prompt shows; the largest table the
# examples benchmarks hold has 5 rows (about 400 characters), so those are shown whole.
MOST_ROWS = 16
MOST_CHARS = 2000


def prompt_rows(doctests: Sequence[str], answers: Sequence[str]) -> list[int]:
    """Positions of the rows shown, in table order. `doctests`: each row as the prompt writes it;
    `answers`: each row's expected value as text, which tells rows with the same answer apart."""
    everything = list(range(len(doctests)))
    if len(doctests) <= MOST_ROWS and sum(map(len, doctests)) <= MOST_CHARS:
        return everything
    first_of_answer: dict[str, int] = {}
    for position, answer in enumerate(answers):
        first_of_answer.setdefault(answer, position)
    wanted = list(first_of_answer.values()) if len(first_of_answer) <= MOST_ROWS else []
    changes = [p for p in range(1, len(answers)) if answers[p] != answers[p - 1]]
    if len(wanted) + 2 * len(changes) <= MOST_ROWS:
        wanted += [q for p in changes for q in (p - 1, p) if q not in wanted]
    taken = set(wanted)
    others = [p for p in everything if p not in taken]
    slots = MOST_ROWS - len(wanted)
    spread = sorted({others[j * len(others) // slots] for j in range(slots)}) if slots and others else []
    chosen: list[int] = []
    chars = 0
    # Shortest first within each group: one long cell taken first left no room for the rest of the
    # rows (probe 6: a 2,000-character row was the only one shown).
    for position in [*by_length(wanted, doctests), *by_length(spread, doctests), *by_length(others, doctests)]:
        if len(chosen) == MOST_ROWS:
            break
        cost = len(doctests[position])
        if position in chosen or (chosen and chars + cost > MOST_CHARS):
            continue
        chosen.append(position)
        chars += cost
    return sorted(chosen)


def by_length(positions: Sequence[int], doctests: Sequence[str]) -> list[int]:
    return sorted(positions, key=lambda position: len(doctests[position]))
