"""Values as plain data, to cross between the sandbox's processes (sandbox.frames carries them).

Values cross as *data only*: None, bool, int, float, complex, str, bytes and (nested) list,
tuple, set, frozenset, dict, by exact type, so that a subclass with a rigged ``__eq__`` (the
"AlwaysEqual" trick) cannot cross as itself: any other container crosses as its content. The
standard library's value types (sandbox.value_types), bytearrays, counters, ordered and default
dicts and deques cross as themselves, and an instance of the program's own class (a named tuple
of its too) as its class's name and content, rebuilt on the other side with that side's class of
the name as pickle rebuilds one (an Enum member by its value). A function, an iterator or a
coroutine crosses as a handle, where the caller gives hooks for it (sandbox.calls). Decoding uses ``json.loads`` plus a tag
walk (sandbox.decoder): it never runs the sender's code.

Within one frame a value that has an identity (a list, dict, set, deque, an instance) crosses
once and then as ["@", n], n counting such values in the order the walk first meets them, so
that two names for one list in the tests are one list on the other side. A value the other side
sent in the call being answered crosses as ["=", n, content] (n: its number in that call's
frame): the receiver writes the content into its own object, so that a function that sorts its
argument in place sorts the tests' list, as it would in one process.
"""

from __future__ import annotations

import collections
import enum
import io
import math
import sys
from collections.abc import Callable, Coroutine, Iterator, Mapping, MutableSequence, Sequence
from typing import Any, cast

from sandbox import value_types
from sandbox.class_names import (
    BUILTIN_TYPE_NAMES,
    OWN_MODULES,
    name_in_module,
)
from sandbox.frames import FrameError

# How deep a value may nest: a linked list of about 1,200 nodes (two levels each), a list of lists
# 2,500 deep. A walk takes up to about 12 Python frames a level, which it is given on top of the
# recursion limit it finds (the program's may be low, or already half used by its own recursion).
# Before Python 3.11 each Python call also took C stack, which so many frames would overflow.
MAX_DEPTH = 2_500 if sys.version_info >= (3, 11) else 200
# From Python 3.11 on, calls between Python functions take no C stack: only this limit bounds them.
FRAMES_A_WALK_MAY_TAKE = 12 * MAX_DEPTH + 1_000
# What a value becomes as plain data: JSON-ready, every non-JSON type as a tagged list.
Plain = None | bool | int | str | list["Plain"]
# A value that is not data (a function, an iterator the sender keeps) crosses as what the sender's
# hook makes of it (the hook raises CodecError for one that may not cross); the receiver's hook
# takes the tag and parts back.
HandleOut = Callable[[object], Plain]
HandleIn = Callable[[str, list[object]], object]
# A function, an iterator, a coroutine; an exception as a value (an ExceptionGroup's, one returned),
# which crosses as sandbox.raised sends a raised one.
HANDLE_TAGS = frozenset({"FN", "IT", "AW", "EX"})
# The values that are their own plain form both ways (an int too big for JSON's reader to keep
# exact is not: the encoder tags it).
_AS_IS = frozenset({str, bool, type(None)})
PLAIN_TYPES = _AS_IS | {int}  # as decoded: every int JSON gives was sent as one
_BIG = 1 << 62
_FIXED = PLAIN_TYPES | {float, complex, bytes}
# The tags of values with an identity, numbered in a frame in the order the walk meets them.
SHARED_TAGS = frozenset({"l", "d", "s", "CO", "OD", "DD", "DQ", "BA", "SI", "BI", "O", "OS"})
# Files in memory, which tests hand a function to write into (csv.writer(buffer)).
_FILES = (io.StringIO, io.BytesIO)
# A dict's views, which compare as sets (keys, items) or by identity (values): each crosses as its
# items and is rebuilt as the same view of a new dict.
_VIEWS = {type({}.keys()): "DK", type({}.values()): "DV", type({}.items()): "DI"}
VIEW_OF: dict[str, Callable[[list[Any]], object]] = {
    "DK": lambda items: dict.fromkeys(items).keys(),
    "DV": lambda items: dict(enumerate(items)).values(),
    "DI": lambda items: dict(items).items(),
}


class CodecError(FrameError):
    """A value that cannot cross, or a malformed one."""


def to_plain(value: object, handles: HandleOut | None = None) -> Plain:
    return Encoder(handles).encode(value)


def fixed(value: object) -> bool:
    """Whether `value` is a string, a number, bytes or None, or a tuple of them: what no code can
    change in place."""
    kind = type(value)
    if kind is tuple:
        return all(type(item) in _FIXED for item in cast("tuple[object, ...]", value))
    return kind in _FIXED


def _plain_scalar(value: str | int | float) -> str | int | float:
    """The plain value of a subclass of str, int or float, read without its own methods."""
    if isinstance(value, str):
        return str.__str__(value)
    return int.__int__(value) if isinstance(value, int) else float.__float__(value)


def _own_instance(value: object) -> bool:
    kind = type(value)
    return (
        kind.__module__ in OWN_MODULES
        and not isinstance(value, (type, enum.Enum))
        and (isinstance(getattr(value, "__dict__", None), dict) or bool(slot_names(kind)))
    )


def slot_names(kind: type) -> frozenset[str]:
    """The attributes a class's __slots__ (its bases' too) give its instances in place of a dict
    (a dataclass(slots=True)), read from the classes' own namespaces."""
    names: set[str] = set()
    for klass in kind.__mro__:
        slots = vars(klass).get("__slots__", ())
        names.update((slots,) if isinstance(slots, str) else (n for n in slots if isinstance(n, str)))
    return frozenset(names - {"__dict__", "__weakref__"})


def attributes_of(value: object) -> dict[str, object]:
    """An instance's attributes: its dict's, and the slots it has a value in."""
    found = {name: getattr(value, name) for name in slot_names(type(value)) if hasattr(value, name)}
    own = getattr(value, "__dict__", None)
    return {**found, **own} if isinstance(own, dict) else found


class Encoder:
    """Encodes one frame. `handles`: what a function or an iterator crosses as; `received`: the
    values the other side sent in the call this frame answers, by number, which cross home as
    ["=", n, content]."""

    def __init__(
        self,
        handles: HandleOut | None = None,
        received: Sequence[object] = (),
        classes: Mapping[str, object] | None = None,
    ):
        self.handles, self.classes = handles, classes
        self.kept: list[object] = []  # the shared values by number, kept alive: no id is reused meanwhile
        self._numbers: dict[int, int] = {}
        self._received, self._homes = received, cast("dict[int, int] | None", None)  # made when first needed

    def encode(self, value: Any, depth: int = 0) -> Plain:
        if type(value) in _AS_IS:
            return value  # type: ignore[no-any-return]
        # Room for a walk MAX_DEPTH deep, on top of the limit as it is (written out here: a call of
        # another function for it cost each value a tenth of its encoding).
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + FRAMES_A_WALK_MAY_TAKE)
        try:
            return self._walk(value, depth)
        finally:
            sys.setrecursionlimit(limit)

    # Values are typed Any here: each is checked with type() before use, and typing.cast, a function
    # call, cost more than the rest of a small call's encoding.
    def _walk(self, value: Any, depth: int) -> Plain:
        kind = type(value)  # exact types only ("type(value) is"): no subclass crosses as itself
        if kind is str or kind is bool or value is None:  # the commonest first: a call costs each test
            return value  # type: ignore[no-any-return]
        if kind is int:
            return value if -_BIG < value < _BIG else ["I", hex(value)]
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        if kind is list or kind is dict or isinstance(value, (list, dict, set, collections.deque, bytearray, *_FILES)):
            return self._shared(value, depth)
        if kind is float:  # repr is exact (the shortest text that reads back as the same float), inf and nan too
            # math.nan as the other side's math.nan: [math.nan] == [math.nan] holds by identity alone.
            return ["F", repr(value)] if value is not math.nan else ["F", "nan", "math.nan"]
        if kind is tuple:  # scalars inline, as a list's: a list of pairs was mostly calls
            return [
                "t",
                [
                    i if type(i) in _AS_IS or (type(i) is int and -_BIG < i < _BIG) else self._walk(i, depth + 1)
                    for i in value
                ],
            ]
        if kind is complex:
            return ["C", repr(value.real), repr(value.imag)]
        if kind is bytes:
            return ["B", value.hex()]
        if kind in value_types.TAGS:
            return [value_types.TAGS[kind], *[self._walk(part, depth + 1) for part in value_types.PARTS[kind](value)]]
        if isinstance(value, enum.Enum):  # by its value: a Flag's R|W has no name
            if kind.__module__ in OWN_MODULES:
                return ["E", kind.__name__, self._walk(value.value, depth + 1)]
            return ["SE", kind.__module__, name_in_module(kind), self._walk(value.value, depth + 1)]
        if isinstance(value, tuple) and hasattr(kind, "_fields"):
            items = [self._walk(item, depth + 1) for item in value]
            fields = getattr(kind, "_fields", None)
            # Its module is for this side's eyes (changed_by): the tests' P and a stand-in P cross alike.
            return (
                ["NT", kind.__name__, items, list(fields) if type(fields) is tuple else None, kind.__module__]
                if kind.__module__ in OWN_MODULES
                else ["NX", kind.__module__, name_in_module(kind), items]
            )
        for base, tag in ((tuple, "t"), (frozenset, "f")):  # another's named tuple too: its content
            if isinstance(value, base):
                # A subclass's name, which the other side ignores, lets this side see it swapped
                # for its plain content in a write-back (changed_by; red-team 25).
                items = [self._walk(item, depth + 1) for item in value]
                return [tag, items] if kind is base else [tag, items, kind.__qualname__]
        if kind in _VIEWS:  # a dict's keys, values or items, as a view of a dict on the other side
            return [_VIEWS[kind], [self._walk(item, depth + 1) for item in value]]
        if isinstance(value, (str, int, float)):  # a subclass's value (the stdlib's IntEnum): no method crosses
            return self._walk(_plain_scalar(value), depth)
        if isinstance(value, type):
            return self._class(value)
        if self.handles is not None and isinstance(value, (Iterator, Coroutine, BaseException)):
            return self.handles(value)  # its items are asked for as the receiver takes them; it is run
        if _own_instance(value) or isinstance(value, (Mapping, MutableSequence)):  # a UserList, a ChainMap: content
            return self._shared(value, depth)
        if self.handles is not None and callable(value):
            return self.handles(value)
        raise CodecError(f"values of type {kind.__name__} cannot leave the sandbox (plain data only)")

    def _class(self, value: type) -> Plain:
        """A builtin type by its name; the program's own class by its name, with a handle to call
        it by where the other side's program has no class of that name (a class a factory made)."""
        name = BUILTIN_TYPE_NAMES.get(value)
        if name is not None:
            return ["TY", name]
        if value.__module__ in OWN_MODULES:
            try:
                fallback = None if self.handles is None else self.handles(value)
            except CodecError:  # a side that hands out no function of its own: by name only
                fallback = None
            return ["CL", value.__name__, fallback]
        if self.handles is not None:
            return self.handles(value)
        raise CodecError(f"the class {value.__name__} cannot leave the sandbox")

    def _shared(self, value: Any, depth: int) -> Plain:
        key = id(value)
        number = self._numbers.get(key)
        if number is not None:
            return ["@", number]
        self._numbers[key] = len(self.kept)
        self.kept.append(value)
        depth += 1
        kind = type(value)
        content: Plain
        if kind is list:  # scalars inline: a call per item was most of a call's cost
            items: list[Any] = value  # each checked here
            content = [
                "l",
                [
                    i if type(i) in _AS_IS or (type(i) is int and -_BIG < i < _BIG) else self._walk(i, depth)
                    for i in items
                ],
            ]
        elif kind is dict:
            content = ["d", [[self._walk(k, depth), self._walk(v, depth)] for k, v in value.items()]]
        else:
            content = self._content(value, depth)
        if not self._received:
            return content
        if self._homes is None:
            self._homes = {id(sent): number for number, sent in enumerate(self._received)}
        home = self._homes.pop(key, None)  # only its first place carries it home
        return content if home is None else ["=", home, content]

    def _shared_class(self, kind: type) -> bool:
        """Whether `kind` is a class of the program's that the other side has too: any of the
        candidate's (which runs the prompt), only the prompt's of the judge's (`classes`), not the
        tests' own."""
        if kind.__module__ not in OWN_MODULES:
            return False
        return self.classes is None or self.classes.get(kind.__name__) is kind

    def _own_subclass(self, value: dict[Any, Any] | list[Any] | set[Any], depth: int) -> Plain:
        """The program's own subclass of dict, list or set (an AttrDict, a Stack): its class's name,
        its content as the builtin holds it (read by the builtin's methods, not its own) and its
        attributes."""
        if isinstance(value, dict):
            content: Plain = [
                "d",
                [[self._walk(key, depth), self._walk(item, depth)] for key, item in dict.items(value)],
            ]
        else:
            items = list.__iter__(value) if isinstance(value, list) else set.__iter__(value)
            content = ["l" if isinstance(value, list) else "s", [self._walk(item, depth) for item in items]]
        return ["OS", type(value).__name__, content, self._walk(attributes_of(value), depth)]

    def _content(self, value: object, depth: int) -> Plain:
        """A value with an identity, as its tag and content (a subclass of list, dict or set as the
        plain type: its own methods do not cross)."""
        if isinstance(value, collections.Counter):
            return ["CO", self._walk(dict(value), depth)]
        if isinstance(value, collections.OrderedDict):
            return ["OD", self._walk(list(value.items()), depth)]
        if isinstance(value, collections.defaultdict):
            # Its factory as any value crosses: a builtin type or the program's class by name, a
            # function (a lambda making a nested defaultdict) as a handle, run by its owner.
            try:
                factory = self._walk(value.default_factory, depth)
            except CodecError:  # a side that hands out no new function: the content only, as a dict
                return ["d", [[self._walk(key, depth), self._walk(item, depth)] for key, item in value.items()]]
            return ["DD", factory, self._walk(dict(value), depth)]
        if isinstance(value, collections.deque):
            return ["DQ", self._walk(list(value), depth), value.maxlen]
        if isinstance(value, bytearray):
            return ["BA", value.hex()]
        if isinstance(value, _FILES):  # a file in memory, as its content and where it stands
            if value.closed:
                raise CodecError("a closed file cannot cross")
            content = value.getvalue()
            text = content if isinstance(content, str) else content.hex()
            return ["SI" if isinstance(value, io.StringIO) else "BI", text, value.tell()]
        if isinstance(value, (dict, list, set)) and self._shared_class(type(value)):
            return self._own_subclass(value, depth)
        # A dict or list subclass of another's, and another's mapping or sequence (a UserDict),
        # cross as content; the program's own mapping of another kind as an instance.
        if isinstance(value, dict) or (isinstance(value, Mapping) and not _own_instance(value)):
            return ["d", [[self._walk(key, depth), self._walk(item, depth)] for key, item in value.items()]]
        if isinstance(value, list) or (isinstance(value, MutableSequence) and not _own_instance(value)):
            return ["l", [self._walk(item, depth) for item in value]]
        if isinstance(value, set):
            return ["s", [self._walk(item, depth) for item in value]]
        return ["O", type(value).__name__, self._walk(attributes_of(value), depth)]
