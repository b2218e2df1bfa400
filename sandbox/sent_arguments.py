"""A call's arguments as the calling side sent them (sandbox.calls): the values themselves, the plain
data they crossed as, and what the encoding numbered, which the answer may write into."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox import codec, frames
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

    def changed_by(self, written: list[object], encoder: codec.Encoder) -> bool:
        """Whether an answer that wrote into the values we sent changed them: the tests' values now
        hold what the candidate said, unless that was what they held (a sorted list sorted again),
        which needs no new judge. Read from the arguments themselves (`encoder` a fresh one): the
        containers the call sent them in are values the answer may write into as well (and so make
        them read as sent); and a value written into that the arguments no longer reach (a module's
        list the answer moved out of the tests' dict) was changed where no reading of them can see."""
        reached: list[object] = []
        containers = (list(self.args), dict(self.kwargs))
        try:
            again = plain(encoder, *containers, reached)
            ids = {id(value) for value in (*reached, *self.containers)}
            if any(id(value) not in ids for value in written):
                return True
            # Compared as the bytes they cross as: in the plain forms False == 0 and True == 1.
            if frames.dumps(again) != frames.dumps(self.plains):
                return True
            # The same content in other objects: a UserList swapped for a list of its items crosses
            # alike, but a module's list that holds it changed for good (red-team 24).
            return _held(reached, containers) != _held(self.kept, self.containers)
        except Exception:  # noqa: BLE001 - made too deep or too large to read again, say: changed, for certain
            return True


def _held(kept: list[object], containers: tuple[object, ...]) -> list[int]:
    """Which objects an encoding numbered, in order, but the containers the arguments were sent in.
    A str subclass swapped for its text is no object numbered, so it goes unseen (sandbox/README.md)."""
    return [id(value) for value in kept if not any(value is container for container in containers)]
