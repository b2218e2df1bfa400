"""Imports that the window needs only later (numpy for pass@k at the first test result, qtconsole
for the console), done in a worker while the model loads: importing them on the GUI thread
later would freeze it for a few hundred milliseconds."""

from __future__ import annotations

import gc
import importlib

from superqt.utils import thread_worker

LATER_MODULES = ("numpy", "qtconsole.rich_jupyter_widget", "qtconsole.client", "sandbox.kernel")


@thread_worker
def preload_modules():
    # A full collection triggered by these imports would hold the interpreter lock, and so the
    # GUI, for a long scan. Afterwards, what is alive stays alive as long as the window: frozen,
    # the collector no longer rescans it.
    gc.disable()
    try:
        for name in LATER_MODULES:
            importlib.import_module(name)
    finally:
        gc.freeze()
        gc.enable()
