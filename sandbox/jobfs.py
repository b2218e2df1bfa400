"""The job folder: the one place a candidate may write, fresh for every run.

Where the worker can have mounts of its own (a user namespace of its own, nested in
bubblewrap's or made from the host's), each run gets a new tmpfs with a size and an inode
cap, and what a run left is dropped with one lazy unmount: the kernel frees it, however
many files, whatever their modes, even while the last candidate is still being killed.
Otherwise the folder is a plain one on the host, emptied flat (Landlock lets candidates
make files only, see landlock.JOB) within a time budget.

A run's folder is reset before the next run's clock starts, and only when the last run
changed it: a candidate that wrote nothing leaves the folder's own inode untouched (its
ctime is the kernel's record of any change, and nobody can set it), so the common case
costs two stat calls. A reset that fails raises JobDirError: the worker retires, and the
pool replaces it without blaming the run that was next.
"""

from __future__ import annotations

import ctypes
import os
import time

from sandbox.libc import libc

JOB_BYTES = 16 << 20  # the tmpfs per run: outside the address-space limit, so kept small
JOB_INODES = 1024
CLEANUP_BUDGET_S = 2.0  # a plain folder holding more than this can empty: the worker retires
_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWIPC = 0x00020000, 0x10000000, 0x08000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_NOATIME = 1, 2, 4, 8, 32, 1024
_MS_REC, _MS_PRIVATE, _MNT_DETACH = 1 << 14, 1 << 18, 2


class JobDirError(OSError):
    """The job folder could not be made fresh: this worker must not run another candidate."""


def _encoded(value: str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    if libc.mount(_encoded(source), _encoded(target), _encoded(fstype), ctypes.c_ulong(flags), _encoded(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def own_mounts() -> bool:
    """Give this process its own user, mount and IPC namespaces (before it forks anything):
    it may then mount, and SysV IPC objects made under it die with it. False where the
    kernel refuses user namespaces; nothing is changed then."""
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(ctypes.c_int(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWIPC)) != 0:
        return False
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE, None)  # nothing we mount reaches the host
    return True


class JobDir:
    def __init__(self, root: str, may_mount: bool):
        self.root, self.path = root, os.path.join(root, "job")
        os.makedirs(root, mode=0o700, exist_ok=True)
        self.tmpfs = may_mount and self._mount_root()
        if not self.tmpfs:
            os.makedirs(self.path, mode=0o700, exist_ok=True)
        self.clean = self._looks()

    def _mount_root(self) -> bool:
        try:
            # The parent is a read-only tmpfs holding only the mount point: the Landlock rule sits
            # on it (a rule on a mount point would not cover what is mounted over it), and the
            # candidate can write nowhere in it but in the run's own tmpfs below.
            _mount("sbx-jobs", self.root, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "size=4k,nr_inodes=4,mode=0755")
            os.mkdir(self.path, 0o700)
            _mount(None, self.root, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
            self._mount_fresh()
        except OSError:
            return False  # e.g. a kernel that refuses tmpfs in a user namespace: a plain folder then
        return True

    @property
    def write_rule_path(self) -> str:
        """The folder Landlock grants the job rights beneath."""
        return self.root if self.tmpfs else self.path

    def _mount_fresh(self) -> None:
        flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC | _MS_NOATIME  # no atime: reading leaves no mark
        _mount("sbx-job", self.path, "tmpfs", flags, f"size={JOB_BYTES},nr_inodes={JOB_INODES},mode=0700")

    def _looks(self) -> tuple[int, ...]:
        st = os.stat(self.path)
        extra: tuple[int, ...] = ()
        if self.tmpfs:
            vfs = os.statvfs(self.path)
            extra = (vfs.f_bfree, vfs.f_ffree)
        return (
            st.st_ino,
            st.st_mode,
            st.st_uid,
            st.st_nlink,
            st.st_size,
            st.st_atime_ns,
            st.st_mtime_ns,
            st.st_ctime_ns,
        ) + extra

    def reset(self) -> None:
        """Make the folder as the next candidate must find it: empty, mode 0700, untouched."""
        try:
            if self._looks() == self.clean:
                return
            if self.tmpfs:
                if libc.umount2(self.path.encode(), ctypes.c_int(_MNT_DETACH)) != 0:
                    raise OSError(ctypes.get_errno(), "umount")
                self._mount_fresh()
            else:
                _empty_flat(self.path, time.monotonic() + CLEANUP_BUDGET_S)
            self.clean = self._looks()
        except OSError as exc:
            raise JobDirError(exc.errno, f"the job folder could not be reset: {exc}") from None


def _empty_flat(path: str, deadline: float) -> None:
    """Unlink every entry. Landlock let the candidate make plain files only, so there is no
    tree to walk; anything else, or more than the budget allows, is an error."""
    os.chmod(path, 0o700)  # the candidate owns the folder and may have locked it
    with os.scandir(path) as entries:
        for n, entry in enumerate(entries):
            os.unlink(entry.path)  # a folder here raises IsADirectoryError: not ours to walk
            if n % 256 == 255 and time.monotonic() > deadline:
                raise JobDirError(0, "too many files to remove in time")
    os.utime(path, ns=(0, 0))  # its times told what the last run did
