"""Works around a PySide6 6.12 bug: wrappers return None (every void method: `update()`,
`processEvents()`, an empty `QModelIndex.data()`) and True (`Signal.emit()`) without taking a
reference to them. Each call drops one reference, and after some thousands of calls the
interpreter aborts with "none_dealloc: deallocating None" — a minute into a generation.

The calls are everywhere (Qt, superqt, qtconsole), so they cannot be wrapped; the singletons
are made immortal instead, as Python 3.12 does: each gets 2**40 extra references, more than a
session can drop. Applied only to a singleton that a probe call is seen to drop."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject

EXTRA_REFERENCES = 1 << 40
_fixed: set[int] = set()


def dropped_singletons() -> list[object]:
    """The singletons that PySide6 calls drop a reference to."""
    probe = QObject()
    before = {id(s): sys.getrefcount(s) for s in (None, True)}
    probe.setObjectName("probe")  # returns None
    probe.objectNameChanged.emit("probe")  # returns True
    return [s for s in (None, True) if sys.getrefcount(s) < before[id(s)]]


def install() -> None:
    for singleton in dropped_singletons():
        if id(singleton) not in _fixed:
            # ob_refcnt is the first field of every object in CPython up to 3.11.
            ctypes.c_ssize_t.from_address(id(singleton)).value += EXTRA_REFERENCES
            _fixed.add(id(singleton))
