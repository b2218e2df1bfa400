"""The C library, opened once for the whole sandbox, with the calls it makes declared.

The worker imports this before it forks: ctypes builds a function pointer the first time
an attribute is read, and a pointer built in every forked child cost each run copy-on-write
faults (measured). One handle also means one dlopen instead of one per module."""

from __future__ import annotations

import ctypes

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.prctl.restype = ctypes.c_int
