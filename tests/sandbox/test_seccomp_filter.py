"""The seccomp program as the kernel runs it: every listed syscall is refused, in a real
process that loaded it. Each syscall is called with -1 for every argument, which a kernel
that let it through rejects (EINVAL, EFAULT, EBADF...) without doing anything."""

import json
import os
import subprocess
import sys

import pytest

from sandbox import seccomp_filter

pytestmark = pytest.mark.skipif(not seccomp_filter.available(), reason="no libseccomp")

# fork and vfork would make a process if let through; the hostile suite covers them.
# socketpair is refused for every family but AF_UNIX, so for the -1 of the probe.
PROBED = [name for name in seccomp_filter.DENIED if name not in ("fork", "vfork")] + ["clone3", "socketpair"]

SCRIPT = """
import ctypes, json, sys
from sandbox import seccomp_filter
names = json.loads(sys.argv[1])
numbers = {name: seccomp_filter.syscall_number(name) for name in names}
numbers.update({f"#{n}": n for n in range(seccomp_filter.FIRST_UNREVIEWED, seccomp_filter.FIRST_UNREVIEWED + 8)})
if sys.argv[2] == "load":
    seccomp_filter.load(seccomp_filter.Loadable(seccomp_filter.bpf_program(1024)))
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
errors = {}
for name, number in numbers.items():
    if number < 0:
        continue
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(-1)] * 6)
    errors[name] = ctypes.get_errno() if rc == -1 else 0
print(json.dumps(errors))
"""


def _errors(mode: str) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(PROBED), mode], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_listed_syscall_is_refused():
    errors = _errors("load")
    assert len(errors) > 60  # most of the list exists on this architecture
    assert errors.pop("clone3") == 38  # ENOSYS: glibc then falls back to clone, which is filtered
    # Syscalls newer than the list (setxattrat from Linux 6.13 on...) fail as a kernel without them would.
    assert {name: errors.pop(name) for name in list(errors) if name.startswith("#")} == {
        f"#{n}": 38 for n in range(seccomp_filter.FIRST_UNREVIEWED, seccomp_filter.FIRST_UNREVIEWED + 8)
    }
    assert {name: e for name, e in errors.items() if e != 1} == {}  # EPERM for all
    assert {"chmod", "fchmodat2", "utimensat", "fchownat", "listmount", "socketpair"} <= errors.keys()


def test_a_name_no_one_knows_is_an_error_not_a_skipped_rule():
    with pytest.raises(ValueError, match="no number known"):
        seccomp_filter.syscall_number("no_such_syscall")


def test_without_the_filter_the_probe_sees_other_errors():
    errors = _errors("none")
    # The same calls, unfiltered, fail for their bad arguments: the probe can tell the difference.
    assert errors["socket"] != 1 and errors["bpf"] != 1 and errors["clone3"] != 38 and errors["chmod"] != 1
