"""Names for the function a table of examples describes: the function's from the description, each
parameter's from its column's header."""

from __future__ import annotations

import keyword
import re
import unicodedata

_STOPWORDS = {
    "a",
    "an",
    "the",
    "of",
    "to",
    "in",
    "and",
    "or",
    "for",
    "from",
    "into",
    "by",
    "with",
    "that",
    "which",
    "given",
    "return",
    "returns",
    "it",
    "is",
    "its",
    "as",
    "on",
    "each",
    "every",
    "if",
    "then",
    "me",
}


def function_name(description: str) -> str:
    """A name from the description's first words that say something ("Convert Celsius to
    Fahrenheit" -> convert_celsius_fahrenheit)."""
    # Letters of any language, as Python names may hold them ("Initiale du prénom" ->
    # initiale_du_prénom, not initiale_du_pr_nom).
    words = [w for w in re.findall(r"[^\W\d_][^\W_]*", description.lower()) if w not in _STOPWORDS]
    name = "_".join(words[:4]) or "solve"
    return name + "_" if keyword.iskeyword(name) or not name.isidentifier() else name


def parameter_name(column: str) -> str | None:
    """The parameter a column's name becomes: itself when it is one (a capitalised or all-capitals
    word in lower case, as its neighbours "Unit price" -> unit_price would be: "Age" -> age, "ISBN"
    -> isbn), else its words
    joined by _ in lower case, as a spreadsheet's headers are written ("Unit price (EUR)" ->
    unit_price_eur); None when it has no letters or digits to make one of."""
    text = column.strip()
    if text.isidentifier() and not keyword.iskeyword(text):
        # "Age" and "ISBN" in lower case like their neighbours; camelCase and snake_case stay.
        capitalised = text[:1].isupper() and (text[1:].islower() or (text.isupper() and "_" not in text))
        return text.lower() if capitalised and not keyword.iskeyword(text.lower()) else text  # "If" stays
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text.lower()))  # NFKC: m² -> m2
    name = "_".join(words)
    name = name if name[:1].isalpha() else "x_" + name
    if not words or not name.isidentifier():
        return None
    return name + "_" if keyword.iskeyword(name) else name
