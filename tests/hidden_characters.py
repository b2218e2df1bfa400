"""What the tests of core.displayable's users look for in what they show."""

from __future__ import annotations

import unicodedata

from core.displayable import HIDDEN_CATEGORIES


def hidden(text: str) -> list[str]:
    """The characters of `text` that a terminal or a view would act on or not show (newline and
    tab aside)."""
    return [c for c in text if c not in "\n\t" and unicodedata.category(c) in HIDDEN_CATEGORIES]
