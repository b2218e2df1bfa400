"""Classes that cross the sandbox by name, as each side finds them: the builtin types (the same on
both sides), the program's own classes (each side runs the prompt), and the classes of modules a
process has already loaded, named by the other side (an exception the candidate raised,
statistics.StatisticsError; a library's enum member or named tuple it returned, http.HTTPStatus,
functools' cache statistics). Read from namespaces and the modules' own names, so that nothing
is imported, and no module's __getattr__ runs, at the sender's word."""

from __future__ import annotations

import builtins
import collections
import sys
from collections.abc import Callable, Mapping
from typing import TypeVar, cast

# The modules a program's own classes belong to: the names the candidate and the judge run it as.
OWN_MODULES = frozenset({"__candidate__", "__tests__"})
_OUR_PACKAGES = frozenset({"sandbox", "core", "desktop_app"})  # no class of ours is the program's
_Kind = TypeVar("_Kind")

# The builtin types, which cross by name both ways (a tests' isinstance(x, int) handed to the
# candidate, a type returned): each side has the same ones.
BUILTIN_TYPES = {name: kind for name, kind in vars(builtins).items() if isinstance(kind, type) and name[0] != "_"}
BUILTIN_TYPES.update(NoneType=type(None), ellipsis=type(...), NotImplementedType=type(NotImplemented))
BUILTIN_TYPE_NAMES = {kind: name for name, kind in BUILTIN_TYPES.items()}


def own_class(name: object, classes: Mapping[str, object] | None, kind: type = object) -> type | None:
    """The class `name` that `classes` (the receiving side's program) defines itself, of `kind`."""
    cls = classes.get(name) if classes is not None and type(name) is str else None
    if not isinstance(cls, type) or cls.__module__ not in OWN_MODULES or not issubclass(cls, kind):
        return None
    return cls


def named_tuple(
    name: object, classes: Mapping[str, object] | None, fields: object = None
) -> Callable[[list[object]], tuple[object, ...]]:
    """How to make the program's named tuple `name` on this side; where this side's program has no
    such class (one only the tests define), a stand-in of that name and `fields`, which reads p.x
    as the sender's does and crosses back with the same name and fields (probe 11: a plain tuple
    had no p.x); a plain tuple where the fields are not usable."""
    cls = own_class(name, classes, tuple)
    if cls is not None and hasattr(cls, "_fields"):
        return lambda items: tuple.__new__(cls, items)

    def made(items: list[object]) -> tuple[object, ...]:
        stand_in = _stand_in(name, fields) if type(fields) is list and len(fields) == len(items) else None
        return tuple(items) if stand_in is None else tuple.__new__(stand_in, items)

    return made


_STAND_INS: dict[tuple[str, tuple[str, ...]], type] = {}
# Fields a stand-in may have, and stand-ins a run may make: each costs memory, and the judge lives
# long (red-team 25 kept 17 MiB a class with 60,000 fields). forget_stand_ins ends each run.
_MOST_FIELDS = 255
_MOST_STAND_INS = 64


def _stand_in(name: object, fields: list[object]) -> type | None:
    """A named tuple `name` of `fields`, made once a run."""
    if type(name) is not str or len(fields) > _MOST_FIELDS or not all(type(field) is str for field in fields):
        return None
    key = (name, tuple(cast("list[str]", fields)))
    if key not in _STAND_INS:
        if len(_STAND_INS) >= _MOST_STAND_INS:
            return None
        try:
            _STAND_INS[key] = collections.namedtuple(name, key[1], module="__candidate__")
        except (ValueError, TypeError, SyntaxError):  # not identifiers, or a field twice
            return None
    return _STAND_INS[key]


def forget_stand_ins() -> None:
    """The stand-ins made for a run, dropped when it ends (sandbox.process_state)."""
    _STAND_INS.clear()


def loaded_class(module: object, qualname: object, kind: type[_Kind]) -> type[_Kind] | None:
    """The class `module` (loaded in this process) holds under `qualname`, if it is a `kind`."""
    if type(module) is not str or type(qualname) is not str or module.split(".")[0] in _OUR_PACKAGES:
        return None
    found: object = sys.modules.get(module)
    for part in qualname.split("."):
        found = vars(found).get(part) if isinstance(getattr(found, "__dict__", None), dict) else None
    return found if isinstance(found, type) and issubclass(found, kind) else None


_NAMES: dict[type, str] = {}
_MOST_NAMES = 256  # the judge lives long: a bounded memory of the classes it sent


def name_in_module(kind: type) -> str:
    """The name `kind`'s module holds it under, for loaded_class on the other side: its qualified
    name, or the module's own name for it where that differs (namedtuple('CacheInfo') kept as
    functools._CacheInfo)."""
    if kind not in _NAMES:
        if len(_NAMES) >= _MOST_NAMES:
            _NAMES.clear()
        names = vars(sys.modules[kind.__module__]) if kind.__module__ in sys.modules else {}
        found = kind.__qualname__
        if names.get(found) is not kind:
            found = next((str(name) for name, value in names.items() if value is kind), found)
        _NAMES[kind] = found
    return _NAMES[kind]
