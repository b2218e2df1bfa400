"""Classes of the modules a process has already loaded, named by the other side: an exception
the candidate raised (statistics.StatisticsError), a standard-library enum member or named tuple
it returned (http.HTTPStatus, functools' cache statistics). Read from the modules' own names, so
that nothing is imported, and no module's __getattr__ runs, at the sender's word."""

from __future__ import annotations

import sys
from typing import TypeVar

_OUR_PACKAGES = frozenset({"sandbox", "core", "desktop_app"})  # no class of ours is the program's
_Kind = TypeVar("_Kind")


def loaded_class(module: object, qualname: object, kind: type[_Kind]) -> type[_Kind] | None:
    """The class `module` (loaded in this process) holds under `qualname`, if it is a `kind`."""
    if type(module) is not str or type(qualname) is not str or module.split(".")[0] in _OUR_PACKAGES:
        return None
    found: object = sys.modules.get(module)
    for part in qualname.split("."):
        found = vars(found).get(part) if isinstance(getattr(found, "__dict__", None), dict) else None
    return found if isinstance(found, type) and issubclass(found, kind) else None


_NAMES: dict[type, str] = {}


def name_in_module(kind: type) -> str:
    """The name `kind`'s module holds it under, for loaded_class on the other side: its qualified
    name, or the module's own name for it where that differs (namedtuple('CacheInfo') kept as
    functools._CacheInfo)."""
    if kind not in _NAMES:
        names = vars(sys.modules[kind.__module__]) if kind.__module__ in sys.modules else {}
        if names.get(kind.__qualname__) is not kind:
            names_of_it = [name for name, value in names.items() if value is kind]
            _NAMES[kind] = names_of_it[0] if names_of_it else kind.__qualname__
        else:
            _NAMES[kind] = kind.__qualname__
    return _NAMES[kind]
