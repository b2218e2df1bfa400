"""How every summary names its entries: `codesynth eval`'s summary.json, its report, `codesynth check`
and the Sampling lab alike. A temperature is keyed by its shortest text ("0.8", "1") and pass@k by
"pass@k". Text, not numbers, because a summary is a JSON document and JSON keys are text: the same
summary reads the same in memory and after a round trip through a file. Plots take numbers; they
are read back here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")
PREFIX = "pass@"


def temperature_label(temperature: float) -> str:
    return f"{temperature:g}"


def pass_at_k_name(k: int) -> str:
    return f"{PREFIX}{k}"


def by_temperature(table: Mapping[str, V]) -> dict[float, V]:
    """A summary's per-temperature table keyed by the temperatures as numbers."""
    return {float(label): value for label, value in table.items()}


def by_k(pass_at_k: Mapping[str, float]) -> dict[int, float]:
    """One temperature's pass@k keyed by k."""
    return {int(name.removeprefix(PREFIX)): value for name, value in pass_at_k.items()}
