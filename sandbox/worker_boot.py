"""The worker process's start, as the pool boots it: it pins itself to its CPU, keeps its pipes to
the pool off stdin and stdout, ties its life to the pool's, becomes the subreaper of what its
children leave, loads the modules every candidate shares, and then serves (sandbox/worker.py)."""

from __future__ import annotations

import os
import signal
import sys

from sandbox import frames, process_state
from sandbox.jobfs import own_mounts
from sandbox.libc import libc
from sandbox.requests import WorkerConfig
from sandbox.worker import Worker

# Imported once here so each candidate does not pay for them; kept small because the
# cost of every fork grows with the size of the fork-server.
PRELOAD = (
    "math",
    "re",
    "string",
    "itertools",
    "collections",
    "functools",
    "heapq",
    "bisect",
    "typing",
    "random",
    "copy",
    "operator",
)
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 1, 4, 36


def main() -> None:
    config: WorkerConfig = frames.loads(sys.argv[2].encode())
    cpu = config.get("cpu")
    if cpu is not None:  # the zygote, the judge and every candidate inherit it
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass  # a speed-up only: e.g. a cpuset changed since the pool looked
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    if config.get("ppid"):  # no PID namespace to vanish with: die with the pool instead
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != config["ppid"]:
            os._exit(0)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Before any fork, so that the zygote and the judge are made in these namespaces (and drop
    # the capabilities they bring); and while dumpable, or /proc/self/uid_map is not ours to write.
    may_mount = own_mounts()
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # no /proc/<worker>/mem for anyone
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for name in PRELOAD:
        __import__(name)
    # The standard library and the allowed packages only (no .pth hooks run); not this project.
    sys.path[:] = [p for p in sys.path if p != sys.argv[1]] + config["site_paths"]
    # The judge and every candidate start with the command line of a program run alone, not the
    # worker's, which holds the sandbox's configuration (held-out probe 9; sys.orig_argv, red-team
    # round 21). A candidate can still read it in its own memory: it holds no secret, only limits.
    sys.argv = list(process_state.ARGV)
    sys.orig_argv = [sys.executable]
    import gc

    gc.freeze()  # forked children's collections skip what we loaded: fewer pages copied
    worker = Worker(config, proto_in, proto_out, may_mount)
    try:
        worker.serve()
    finally:
        worker.close()
