"""Landlock through raw syscalls (there is no Python binding): a per-process allow-list
for files, TCP and (ABI >= 6) signals and abstract unix sockets. Rules are attached to
inodes of directories opened with O_PATH, so they survive symlinks and bind mounts."""

from __future__ import annotations

import ctypes
import os
import stat
import struct

from sandbox.libc import libc

# x86_64 and aarch64 share the generic syscall numbers for these.
_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446
_VERSION_FLAG = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1, 2

TREE, LISTING = "tree", "listing"  # a read rule: everything beneath / the names beneath only
REMOVE_FILE, MAKE_REG, TRUNCATE = 1 << 5, 1 << 8, 1 << 14
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
# The job folder: files only. No folders, links, pipes or devices, so what a run leaves is a flat
# list of files (no tree to walk, nothing a chmod can lock), and no inode but a file's.
JOB = READ_FILE | READ_DIR | WRITE_FILE | REMOVE_FILE | MAKE_REG | TRUNCATE


class LandlockError(OSError):
    pass


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise LandlockError(err, f"{what}: {os.strerror(err)}")
    return ret


def abi_version() -> int:
    """0 when the kernel (or the architecture) has no Landlock."""
    if os.uname().sysname != "Linux" or os.uname().machine not in ("x86_64", "aarch64"):
        return 0
    ret = libc.syscall(ctypes.c_long(_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION_FLAG))
    return max(int(ret), 0)


def fs_rights(abi: int) -> int:
    return _FS_BY_ABI[min(abi, 5)]


def _file_rights(mask: int) -> int:
    # Rights that make sense on a non-directory inode.
    return mask & (EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15))


def ruleset(abi: int, rules: list[tuple[int, int]]) -> int:
    """A ruleset fd, built once and applied by each forked child with restrict_self().

    rules: (O_PATH fd of a folder or file, rights granted on it and everything beneath).
    Every file-system right the ABI knows is handled, so whatever is not granted is denied."""
    handled_fs = fs_rights(abi)
    handled_net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0  # no rule for them: all TCP denied
    scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL if abi >= 6 else 0
    size = 24 if abi >= 6 else 16
    buf = ctypes.create_string_buffer(struct.pack("<QQQ", handled_fs, handled_net, scoped)[:size], size)
    fd = _check(
        libc.syscall(ctypes.c_long(_CREATE), buf, ctypes.c_size_t(size), ctypes.c_uint32(0)), "landlock_create_ruleset"
    )
    for parent, mask in rules:
        if not stat.S_ISDIR(os.fstat(parent).st_mode):
            mask = _file_rights(mask)
        rule = ctypes.create_string_buffer(struct.pack("<Qi", mask & handled_fs, parent), 12)
        _check(
            libc.syscall(
                ctypes.c_long(_ADD_RULE), ctypes.c_int(fd), ctypes.c_int(_RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)
            ),
            "landlock_add_rule",
        )
    return fd


def restrict_self(ruleset_fd: int) -> None:
    """Enforce the ruleset on the calling process and all it may start, for good."""
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(
        libc.syscall(ctypes.c_long(_RESTRICT), ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)), "landlock_restrict_self"
    )
