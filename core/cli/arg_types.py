"""argparse types for numeric options. Each refuses, in one sentence, a value outside its range:
negative, zero, NaN, infinite or absurdly large values never reach the code that uses them (a
memory limit of 0 or -1 once meant no limit at all)."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    # What each command module's register() adds its parser to: argparse's sub-command table,
    # a class typeshed declares generic but argparse keeps private (not subscriptable at run time).
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def int_between(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}{unit}, got {value}")
        return value

    return parse


def positive_float_up_to(high: float, unit: str = "") -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and 0 < value <= high):
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {high:g}{unit}, got {text}")
        return value

    return parse


def positive_int_list(text: str) -> list[int]:
    """Comma-separated whole numbers of at least 1, such as the k of pass@k."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected whole numbers of at least 1, got {text!r}")
    return values


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
