"""Calling PySide6 must not use up the interpreter's references to None and True."""

import sys

from PySide6.QtCore import QObject, Signal

from desktop_app import pyside_refcount_fix


class Emitter(QObject):
    fired = Signal(object)


def test_many_calls_keep_none_and_true_alive(qapp):
    pyside_refcount_fix.install()  # as desktop_app.app.configure does
    emitter = Emitter()
    emitter.fired.connect(lambda _value: None)
    # Far more calls than None and True have references: before the fix this aborted the interpreter.
    for i in range(200_000):
        emitter.fired.emit(i)
        emitter.setObjectName("x")
    assert sys.getrefcount(None) > 1000 and sys.getrefcount(True) > 1000
