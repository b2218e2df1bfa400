"""Imports that the window needs only later (numpy for pass@k at the first test result, qtconsole
for the console), done in a worker while the model loads: importing them on the GUI thread
later would freeze it for a few hundred milliseconds."""
from __future__ import annotations

import importlib

from superqt.utils import thread_worker

LATER_MODULES = ("core.passk", "qtconsole.rich_jupyter_widget", "qtconsole.client", "sandbox.kernel")


@thread_worker
def preload_modules():
    for name in LATER_MODULES:
        importlib.import_module(name)
