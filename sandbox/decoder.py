"""Decoding one frame of sandbox.codec's plain data back into values: tags checked, builtin and
library classes found by name (sandbox.class_names), the program's own classes rebuilt without
their __init__, and the values this side sent written into in place ("=")."""

from __future__ import annotations

import collections
import enum
import io
import math
import sys
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

from sandbox import value_types
from sandbox.class_names import BUILTIN_TYPES, loaded_class, named_tuple, own_class
from sandbox.codec import (
    FRAMES_A_WALK_MAY_TAKE,
    HANDLE_TAGS,
    MAX_DEPTH,
    PLAIN_TYPES,
    SHARED_TAGS,
    VIEW_OF,
    CodecError,
    HandleIn,
    slot_names,
)
from sandbox.value_types import of


def from_plain(obj: object, classes: Mapping[str, object] | None = None, handles: HandleIn | None = None) -> object:
    return Decoder(classes, handles).decode(obj)


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
        if type(obj) in PLAIN_TYPES:
            return obj
        limit = sys.getrecursionlimit()  # as Encoder.encode gives it room
        sys.setrecursionlimit(limit + FRAMES_A_WALK_MAY_TAKE)
        try:
            return self._walk(obj, depth)
        finally:
            sys.setrecursionlimit(limit)

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
            made.extend([item if type(item) in PLAIN_TYPES else self._walk(item, depth + 1) for item in obj[1]])
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
            return math.nan if rest[1:] == ["math.nan"] else float(of(rest[0], str))
        if tag == "C":
            return complex(float(of(rest[0], str)), float(of(rest[1], str)))
        if tag == "B":
            return bytes.fromhex(of(rest[0], str))
        if tag in value_types.BUILDERS:
            return value_types.BUILDERS[tag](*[self._walk(part, depth + 1) for part in rest])
        if tag in SHARED_TAGS:
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
            fields = rest[2] if len(rest) > 2 else None
            return named_tuple(rest[0], self.classes, fields)(
                [self._walk(item, depth + 1) for item in of(rest[1], list)]
            )
        if tag == "SE":  # a library's enum member, one the library has made already; else its value
            member_of, value = loaded_class(rest[0], rest[1], enum.Enum), self._walk(rest[2], depth + 1)
            # Only looked up: calling the class would make (and keep, for the judge's life) a new
            # member of a flag for every value the sender names.
            members = vars(member_of).get("_value2member_map_") if member_of is not None else None
            try:
                return members.get(value, value) if isinstance(members, dict) else value
            except TypeError:  # an unhashable value names no member
                return value
        if tag == "NX":  # a library's named tuple (functools' cache statistics), likewise; else a tuple
            items = [self._walk(item, depth + 1) for item in of(rest[2], list)]
            made = loaded_class(rest[0], rest[1], tuple)
            fits = made is not None and len(getattr(made, "_fields", ())) == len(items)
            return tuple.__new__(made, items) if fits and made is not None else tuple(items)
        if tag in HANDLE_TAGS and self.handles is not None:
            return self.handles(tag, rest)
        if tag == "TY":
            return BUILTIN_TYPES[of(rest[0], str)]
        if tag == "CL":
            try:
                return _own_class(rest[0], self.classes)
            except CodecError:
                if len(rest) < 2 or rest[1] is None:
                    raise
                return self._walk(rest[1], depth + 1)  # the sender's class, called there
        if tag in VIEW_OF:
            return VIEW_OF[tag]([self._walk(item, depth + 1) for item in of(rest[0], list)])
        items = [item if type(item) in PLAIN_TYPES else self._walk(item, depth + 1) for item in of(rest[0], list)]
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
        if tag == "OS":  # the program's own dict, list or set subclass, made as the builtin makes one;
            base = _BASES[of(of(rest[1], list)[0], str)]  # the builtin itself where this side has no such class
            made: object = base.__new__(own_class(rest[0], self.classes, base) or base)  # type: ignore[call-overload]
            return made
        if tag == "DQ":
            return collections.deque(maxlen=None if rest[1] is None else of(rest[1], int))
        empty: dict[str, Callable[[], object]] = {
            "BA": bytearray,
            "SI": io.StringIO,
            "BI": io.BytesIO,
            "l": list,
            "d": dict,
            "s": set,
            "CO": collections.Counter,
            "OD": collections.OrderedDict,
            "DD": collections.defaultdict,  # its factory is set as it is filled, numbered after it
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
            "SI": (io.StringIO,),
            "BI": (io.BytesIO,),
        }
        if tag in ("O", "OS"):  # the same class of the program's, which this side's program defines
            fits = own_class(content[1], self.classes) is type(target)
        else:
            fits = isinstance(target, bases.get(tag, (dict, MutableMapping)))
        if tag not in SHARED_TAGS or not fits:
            raise CodecError(f"a {type(target).__name__} cannot become what {tag!r} holds")
        self.written.append(target)
        return self._fill(target, tag, content[1:], depth)

    def _fill(self, target: object, tag: str, rest: list[object], depth: int) -> object:
        """`target` holding the content `rest` encodes, changed through its own methods (a tests'
        read-only subclass refuses as it would refuse the function)."""
        self.objects.append(target)  # before its content, which may refer back to it
        depth += 1
        if tag == "O":
            _set_attributes(target, self._walk(rest[1], depth))
        elif tag == "OS":
            self._fill_own_subclass(target, of(rest[1], list), rest[2], depth)
        elif isinstance(target, bytearray):
            target[:] = bytes.fromhex(of(rest[0], str))
        elif isinstance(target, io.StringIO | io.BytesIO):
            text, position = of(rest[0], str), of(rest[1], int)
            target.seek(0)
            target.truncate()
            target.write(text if isinstance(target, io.StringIO) else bytes.fromhex(text))  # type: ignore[arg-type]
            target.seek(position)
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
            if tag == "DD":  # a tests' defaultdict given another factory by the call gets it too
                factory = self._walk(rest[0], depth)
                if (factory is not None and not callable(factory)) or not isinstance(target, collections.defaultdict):
                    raise CodecError("malformed value")
                target.default_factory = factory
            pairs = self._pairs(tag, rest, depth)
            for key in list(target):
                del target[key]
            for key, item in pairs:
                target[key] = item
        return target

    def _fill_own_subclass(self, target: object, content: list[object], attributes: object, depth: int) -> None:
        """The builtin's own methods fill it: the subclass's would be the program's code to run."""
        items = of(content[1], list)
        if isinstance(target, dict):
            pairs = self._pairs("d", content[1:], depth)
            dict.clear(target)
            dict.update(target, pairs)
        elif isinstance(target, list):
            list.__setitem__(target, slice(None), [self._walk(item, depth) for item in items])
        elif isinstance(target, set):
            set.clear(target)
            set.update(target, [self._walk(item, depth) for item in items])
        # Decoded always, for the references numbered in it; kept where the made value can hold
        # them (the builtin itself, made where this side has no such class, holds none).
        decoded = self._walk(attributes, depth)
        if type(target) not in _BASES.values():
            _set_attributes(target, decoded)

    def _pairs(self, tag: str, rest: list[object], depth: int) -> list[tuple[object, object]]:
        if tag == "d":
            return [(self._walk(key, depth), self._walk(item, depth)) for key, item in of(rest[0], list)]
        if tag == "OD":
            return [of(pair, tuple) for pair in of(self._walk(rest[0], depth), list)]
        return list(of(self._walk(rest[-1], depth), dict).items())  # "CO", "DD": their counts or items


def _own_class(name: object, classes: Mapping[str, object] | None, kind: type = object) -> type:
    """The class `name` that `classes` (the receiving side's program) defines itself, of `kind`."""
    cls = own_class(name, classes, kind)
    if cls is None:
        raise CodecError(f"values of type {name} cannot cross: the program defines no such class on this side")
    return cls


_BASES: dict[str, type] = {"d": dict, "l": list, "s": set}


def _set_attributes(target: object, attributes: object) -> None:
    """`target`'s attributes made `attributes`: in its dict, and in its slots through the slots' own
    descriptors (object.__setattr__ on any other name could run a property's setter, the program's
    code)."""
    if type(attributes) is not dict or not all(type(name) is str for name in attributes):
        raise CodecError("malformed value")
    slots = slot_names(type(target))
    for name in slots:
        if hasattr(target, name) and name not in attributes:
            object.__delattr__(target, name)
    for name in slots & attributes.keys():
        object.__setattr__(target, name, attributes[name])
    rest = {name: value for name, value in attributes.items() if name not in slots}
    own = getattr(target, "__dict__", None)
    if not isinstance(own, dict):
        if rest:
            raise CodecError(f"a {type(target).__name__} has no attribute {next(iter(rest))!r} to hold")
        return
    own.clear()
    own.update(rest)
