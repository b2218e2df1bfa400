"""A call's arguments as the calling side sent them (sandbox.calls): the values themselves, the plain
data they crossed as, and what the encoding numbered, which the answer may write into."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox import codec
from sandbox.codec import Plain


def plain(encoder: codec.Encoder, args: list[Any], kwargs: dict[str, Any], kept: list[object]) -> list[Plain]:
    """A call's arguments as plain data, in one encoder's numbering (`kept` gets its values)."""
    plains = [encoder.encode(args, -1), encoder.encode(kwargs, -1)]
    kept.extend(encoder.kept)
    return plains


class Sent:
    """A call's arguments as this side sent them: the values (their own, not copies), the plain
    data they went as, and every value the encoding numbered, which the answer may write into (the
    arguments, what they hold, and the containers and copies they were sent in)."""

    def __init__(self, args: Sequence[object], kwargs: Mapping[str, object]):
        self.args, self.kwargs = args, kwargs
        self.containers = (list(args), dict(kwargs))  # what they were sent in, numbered first
        self.plains: list[Plain] = []
        self.kept: list[object] = []
