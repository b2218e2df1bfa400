"""Values as plain data, to cross between the sandbox's processes (sandbox.frames carries them).

Values cross as *data only*: None, bool, int, float, complex, str, bytes and (nested) list,
tuple, set, frozenset, dict, by exact type, so that a subclass with a rigged ``__eq__`` (the
"AlwaysEqual" trick) cannot cross as itself: any other container crosses as its content. The
standard library's value types (sandbox.value_types), bytearrays, counters, ordered and default
dicts and deques cross as themselves, and an instance of the program's own class (a named tuple
of its too) as its class's name and content, rebuilt on the other side with that side's class of
the name as pickle rebuilds one (an Enum member by its value). A function or an iterator crosses
as a handle, where the caller gives hooks for it (sandbox.calls). Decoding uses ``json.loads`` plus a tag
walk: it never runs the sender's code.

Within one frame a value that has an identity (a list, dict, set, deque, an instance) crosses
once and then as ["@", n], n counting such values in the order the walk first meets them, so
that two names for one list in the tests are one list on the other side. A value the other side
sent in the call being answered crosses as ["=", n, content] (n: its number in that call's
frame): the receiver writes the content into its own object, so that a function that sorts its
argument in place sorts the tests' list, as it would in one process.
"""

from __future__ import annotations

import builtins
import collections
import enum
import sys
from collections.abc import Callable, Coroutine, Iterator, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any, TypeVar, cast

from sandbox import value_types
from sandbox.frames import FrameError
from sandbox.loaded import loaded_class, name_in_module
from sandbox.value_types import of

# How deep a value may nest: a linked list of about 1,200 nodes (two levels each), a list of lists
# 2,500 deep. A walk takes up to about 12 Python frames a level, which it is given on top of the
# recursion limit it finds (the program's may be low, or already half used by its own recursion).
MAX_DEPTH = 2_500
_FRAMES_A_WALK_MAY_TAKE = 12 * MAX_DEPTH + 1_000
# What a value becomes as plain data: JSON-ready, every non-JSON type as a tagged list.
Plain = None | bool | int | str | list["Plain"]
# A value that is not data (a function, an iterator the sender keeps) crosses as what the sender's
# hook makes of it (the hook raises CodecError for one that may not cross); the receiver's hook
# takes the tag and parts back.
HandleOut = Callable[[object], Plain]
HandleIn = Callable[[str, list[object]], object]
HANDLE_TAGS = frozenset({"FN", "IT", "AW"})  # a function, an iterator, a coroutine
# The values that are their own plain form both ways (an int too big for JSON's reader to keep
# exact is not: the encoder tags it).
_AS_IS = frozenset({str, bool, type(None)})
_PLAIN = _AS_IS | {int}  # as decoded: every int JSON gives was sent as one
_BIG = 1 << 62
_FIXED = _PLAIN | {float, complex, bytes}
# The modules a program's own classes belong to: the names the candidate and the judge run it as.
OWN_MODULES = frozenset({"__candidate__", "__tests__"})
# The tags of values with an identity, numbered in a frame in the order the walk meets them.
_SHARED_TAGS = frozenset({"l", "d", "s", "CO", "OD", "DD", "DQ", "BA", "O"})
# The default factories a defaultdict crosses with; with another it crosses as a plain dict.
_FACTORIES: dict[object, str] = {int: "int", float: "float", str: "str", list: "list", set: "set", dict: "dict"}
# A dict's views, which compare as sets (keys, items) or by identity (values): each crosses as its
# items and is rebuilt as the same view of a new dict.
_VIEWS = {type({}.keys()): "DK", type({}.values()): "DV", type({}.items()): "DI"}
_VIEW_OF: dict[str, Callable[[list[Any]], object]] = {
    "DK": lambda items: dict.fromkeys(items).keys(),
    "DV": lambda items: dict(enumerate(items)).values(),
    "DI": lambda items: dict(items).items(),
}
_FACTORY_OF: dict[str, Callable[[], object]] = {name: factory for factory, name in _FACTORIES.items()}  # type: ignore[misc]


_Walked = TypeVar("_Walked")


def _deep(walk: Callable[[Any, int], _Walked], value: Any, depth: int) -> _Walked:
    """`walk(value, depth)` with room for a walk MAX_DEPTH deep (Python's calls between Python
    functions take no C stack: only the recursion limit bounds them)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return walk(value, depth)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + _FRAMES_A_WALK_MAY_TAKE)
    try:
        return walk(value, depth)
    finally:
        sys.setrecursionlimit(limit)


# The builtin types, which cross by name both ways (a tests' isinstance(x, int) handed to the
# candidate, a type returned): each side has the same ones.
_BUILTIN_TYPES = {name: kind for name, kind in vars(builtins).items() if isinstance(kind, type) and name[0] != "_"}
_BUILTIN_TYPES.update(NoneType=type(None), ellipsis=type(...), NotImplementedType=type(NotImplemented))
_BUILTIN_TYPE_NAMES = {kind: name for name, kind in _BUILTIN_TYPES.items()}


class CodecError(FrameError):
    """A value that cannot cross, or a malformed one."""


def to_plain(value: object, handles: HandleOut | None = None) -> Plain:
    return Encoder(handles).encode(value)


def from_plain(obj: object, classes: Mapping[str, object] | None = None, handles: HandleIn | None = None) -> object:
    return Decoder(classes, handles).decode(obj)


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
        and isinstance(getattr(value, "__dict__", None), dict)
    )


class Encoder:
    """Encodes one frame. `handles`: what a function or an iterator crosses as; `received`: the
    values the other side sent in the call this frame answers, by number, which cross home as
    ["=", n, content]."""

    def __init__(self, handles: HandleOut | None = None, received: Sequence[object] = ()):
        self.handles = handles
        self.kept: list[object] = []  # the shared values by number, kept alive: no id is reused meanwhile
        self._numbers: dict[int, int] = {}
        self._received, self._homes = received, cast("dict[int, int] | None", None)  # made when first needed

    def encode(self, value: Any, depth: int = 0) -> Plain:
        return _deep(self._walk, value, depth)

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
        if kind is list or kind is dict or isinstance(value, (list, dict, set, collections.deque, bytearray)):
            return self._shared(value, depth)
        if kind is float:
            return ["F", value.hex()]  # exact, and NaN/inf survive
        if kind is tuple:
            return ["t", [self._walk(item, depth + 1) for item in value]]
        if kind is complex:
            return ["C", value.real.hex(), value.imag.hex()]
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
            return (
                ["NT", kind.__name__, items]
                if kind.__module__ in OWN_MODULES
                else ["NX", kind.__module__, name_in_module(kind), items]
            )
        for base, tag in ((tuple, "t"), (frozenset, "f")):  # another's named tuple too: its content
            if isinstance(value, base):
                return [tag, [self._walk(item, depth + 1) for item in value]]
        if kind in _VIEWS:  # a dict's keys, values or items, as a view of a dict on the other side
            return [_VIEWS[kind], [self._walk(item, depth + 1) for item in value]]
        if isinstance(value, (str, int, float)):  # a subclass's value (the stdlib's IntEnum): no method crosses
            return self._walk(_plain_scalar(value), depth)
        if isinstance(value, type):
            return self._class(value)
        if self.handles is not None and isinstance(value, (Iterator, Coroutine)):
            return self.handles(value)  # its items are asked for as the receiver takes them; it is run
        if _own_instance(value) or isinstance(value, (Mapping, MutableSequence)):  # a UserList, a ChainMap: content
            return self._shared(value, depth)
        if self.handles is not None and callable(value):
            return self.handles(value)
        raise CodecError(f"values of type {kind.__name__} cannot leave the sandbox (plain data only)")

    def _class(self, value: type) -> Plain:
        """A builtin type by its name; the program's own class by its name, with a handle to call
        it by where the other side's program has no class of that name (a class a factory made)."""
        name = _BUILTIN_TYPE_NAMES.get(value)
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

    def _content(self, value: object, depth: int) -> Plain:
        """A value with an identity, as its tag and content (a subclass of list, dict or set as the
        plain type: its own methods do not cross)."""
        if isinstance(value, collections.Counter):
            return ["CO", self._walk(dict(value), depth)]
        if isinstance(value, collections.OrderedDict):
            return ["OD", self._walk(list(value.items()), depth)]
        if isinstance(value, collections.defaultdict) and value.default_factory in _FACTORIES:
            return ["DD", _FACTORIES[value.default_factory], self._walk(dict(value), depth)]
        if isinstance(value, collections.deque):
            return ["DQ", self._walk(list(value), depth), value.maxlen]
        if isinstance(value, bytearray):
            return ["BA", value.hex()]
        # A dict or list subclass, the program's own too, and another's mapping or sequence (a
        # UserDict) cross as content; the program's own mapping of another kind as an instance.
        if isinstance(value, dict) or (isinstance(value, Mapping) and not _own_instance(value)):
            return ["d", [[self._walk(key, depth), self._walk(item, depth)] for key, item in value.items()]]
        if isinstance(value, list) or (isinstance(value, MutableSequence) and not _own_instance(value)):
            return ["l", [self._walk(item, depth) for item in value]]
        if isinstance(value, set):
            return ["s", [self._walk(item, depth) for item in value]]
        return ["O", type(value).__name__, self._walk(dict(vars(value)), depth)]


class Decoder:
    """Decodes one frame. `classes`: the namespace whose own classes may be rebuilt (an instance's
    tag names one; without it no instance crosses); `handles`: what a handle is taken as (without
    it no function crosses); `sent`: the values this side sent in the call this frame answers, by
    number, into which ["=", n, content] writes; `written` lists them."""

    def __init__(
        self, classes: Mapping[str, object] | None = None, handles: HandleIn | None = None, sent: Sequence[object] = ()
    ):
        self.classes, self.handles, self.sent = classes, handles, sent
        self.objects: list[object] = []  # the shared values by number, as decoded (or written into)
        self.written: list[object] = []

    def decode(self, obj: Any, depth: int = 0) -> object:
        return _deep(self._walk, obj, depth)

    def _walk(self, obj: Any, depth: int) -> object:  # Any: JSON's, each part checked here
        kind = type(obj)
        if kind is str or kind is int or kind is bool or obj is None:
            return obj
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        if kind is not list or not obj or type(obj[0]) is not str:
            raise CodecError("malformed value")
        tag = obj[0]
        if tag == "l" and len(obj) == 2 and type(obj[1]) is list:  # the commonest, without the detours
            made: list[object] = []
            self.objects.append(made)  # before its items, which may refer back to it
            made.extend([item if type(item) in _PLAIN else self._walk(item, depth + 1) for item in obj[1]])
            return made
        rest: list[object] = obj[1:]
        try:
            return self._tagged(tag, rest, depth)
        except CodecError:
            raise
        except value_types.PartError as exc:
            raise CodecError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - KeyError, TypeError (unhashable key), ValueError...
            raise CodecError(f"malformed value: {type(exc).__name__}") from None

    def _tagged(self, tag: str, rest: list[object], depth: int) -> object:
        if tag == "I":
            return int(of(rest[0], str), 16)
        if tag == "F":
            return float.fromhex(of(rest[0], str))
        if tag == "C":
            return complex(float.fromhex(of(rest[0], str)), float.fromhex(of(rest[1], str)))
        if tag == "B":
            return bytes.fromhex(of(rest[0], str))
        if tag in value_types.BUILDERS:
            return value_types.BUILDERS[tag](*[self._walk(part, depth + 1) for part in rest])
        if tag in _SHARED_TAGS:
            return self._fill(self._empty(tag, rest), tag, rest, depth)
        if tag == "@":
            number = of(rest[0], int)
            if not 0 <= number < len(self.objects):
                raise CodecError("a reference to nothing")
            return self.objects[number]
        if tag == "=":
            return self._home(of(rest[0], int), rest[1], depth)
        if tag == "E":
            return _own_class(rest[0], self.classes, enum.Enum)(self._walk(rest[1], depth + 1))
        if tag == "NT":
            return _named_tuple(rest[0], self.classes)([self._walk(item, depth + 1) for item in of(rest[1], list)])
        if tag == "SE":  # a library's enum member, as the library this side has loaded makes it; else its value
            member_of, member = loaded_class(rest[0], rest[1], enum.Enum), self._walk(rest[2], depth + 1)
            return member if member_of is None else member_of(member)
        if tag == "NX":  # a library's named tuple (functools' cache statistics), likewise; else a tuple
            items = [self._walk(item, depth + 1) for item in of(rest[2], list)]
            made = loaded_class(rest[0], rest[1], tuple)
            fits = made is not None and len(getattr(made, "_fields", ())) == len(items)
            return tuple.__new__(made, items) if fits and made is not None else tuple(items)
        if tag in HANDLE_TAGS and self.handles is not None:
            return self.handles(tag, rest)
        if tag == "TY":
            return _BUILTIN_TYPES[of(rest[0], str)]
        if tag == "CL":
            try:
                return _own_class(rest[0], self.classes)
            except CodecError:
                if len(rest) < 2 or rest[1] is None:
                    raise
                return self._walk(rest[1], depth + 1)  # the sender's class, called there
        if tag in _VIEW_OF:
            return _VIEW_OF[tag]([self._walk(item, depth + 1) for item in of(rest[0], list)])
        items = [self._walk(item, depth + 1) for item in of(rest[0], list)]
        kinds: dict[str, Callable[[list[object]], object]] = {"t": tuple, "f": frozenset}
        if tag not in kinds:
            raise CodecError(f"values tagged {tag[:20]!r} cannot cross")
        return kinds[tag](items)

    def _empty(self, tag: str, rest: list[object]) -> object:
        """A new, empty value for a shared tag, to be filled (made before its content is decoded,
        so that a cycle back to it, a doubly linked list's, finds it)."""
        if tag == "O":
            cls = _own_class(rest[0], self.classes)
            if issubclass(cls, enum.Enum):
                raise CodecError("malformed value")
            # As pickle makes one: without its __init__, whose side effects (a registry of instances,
            # a shared default, the decimal context) would be the sender's to trigger, and which
            # refuses objects changed since (a tree whose nodes were linked after they were made).
            return object.__new__(cls)  # TypeError for a class built on a builtin type: malformed
        if tag == "DD":
            return collections.defaultdict(_FACTORY_OF[of(rest[0], str)])
        if tag == "DQ":
            return collections.deque(maxlen=None if rest[1] is None else of(rest[1], int))
        empty: dict[str, Callable[[], object]] = {
            "BA": bytearray,
            "l": list,
            "d": dict,
            "s": set,
            "CO": collections.Counter,
            "OD": collections.OrderedDict,
        }
        return empty[tag]()

    def _home(self, number: int, content: object, depth: int) -> object:
        """This side's own value `number` of the call, changed in place to hold `content`."""
        if not 0 <= number < len(self.sent) or type(content) is not list or not content:
            raise CodecError("a reference to nothing")
        target, tag = self.sent[number], content[0]
        bases: dict[object, tuple[type, ...]] = {
            "l": (list, MutableSequence),  # a UserList of the tests' too, changed through its methods
            "s": (set,),
            "DQ": (collections.deque,),
            "BA": (bytearray,),
        }
        fits = isinstance(target, bases.get(tag, (dict, MutableMapping))) if tag != "O" else _own_instance(target)
        if tag not in _SHARED_TAGS or not fits or (tag == "O" and type(target).__name__ != content[1]):
            raise CodecError(f"a {type(target).__name__} cannot become what {tag!r} holds")
        self.written.append(target)
        return self._fill(target, tag, content[1:], depth)

    def _fill(self, target: object, tag: str, rest: list[object], depth: int) -> object:
        """`target` holding the content `rest` encodes, changed through its own methods (a tests'
        read-only subclass refuses as it would refuse the function)."""
        self.objects.append(target)  # before its content, which may refer back to it
        depth += 1
        if tag == "O":
            attributes = self._walk(rest[1], depth)
            if type(attributes) is not dict or not all(type(name) is str for name in attributes):
                raise CodecError("malformed value")
            vars(target).clear()
            vars(target).update(attributes)
        elif isinstance(target, bytearray):
            target[:] = bytes.fromhex(of(rest[0], str))
        elif isinstance(target, collections.deque):
            items = of(self._walk(rest[0], depth), list)
            target.clear()
            target.extend(items)
        elif isinstance(target, (list, MutableSequence)):
            target[:] = [self._walk(item, depth) for item in of(rest[0], list)]
        elif isinstance(target, set):
            items = [self._walk(item, depth) for item in of(rest[0], list)]
            target.clear()
            target.update(items)
        elif isinstance(target, (dict, MutableMapping)):
            pairs = self._pairs(tag, rest, depth)
            for key in list(target):
                del target[key]
            for key, item in pairs:
                target[key] = item
        return target

    def _pairs(self, tag: str, rest: list[object], depth: int) -> list[tuple[object, object]]:
        if tag == "d":
            return [(self._walk(key, depth), self._walk(item, depth)) for key, item in of(rest[0], list)]
        if tag == "OD":
            return [of(pair, tuple) for pair in of(self._walk(rest[0], depth), list)]
        return list(of(self._walk(rest[-1], depth), dict).items())  # "CO", "DD": their counts or items


def _own_class(name: object, classes: Mapping[str, object] | None, kind: type = object) -> type:
    """The class `name` that `classes` (the receiving side's program) defines itself, of `kind`."""
    cls = classes.get(name) if classes is not None and type(name) is str else None
    if not isinstance(cls, type) or cls.__module__ not in OWN_MODULES or not issubclass(cls, kind):
        raise CodecError(f"values of type {name} cannot cross: the program defines no such class on this side")
    return cls


def _named_tuple(name: object, classes: Mapping[str, object] | None) -> Callable[[list[object]], tuple[object, ...]]:
    """How to make the program's named tuple `name` on this side, or a plain tuple where this side's
    program has no such class (one only the tests define crossed as its content before)."""
    cls = classes.get(name) if classes is not None and type(name) is str else None
    if isinstance(cls, type) and issubclass(cls, tuple) and cls.__module__ in OWN_MODULES and hasattr(cls, "_fields"):
        return lambda items: tuple.__new__(cls, items)
    return tuple
