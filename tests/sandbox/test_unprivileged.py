"""Run the hostile suites again as an unprivileged user (created when we are root).

If the interpreter lives under a directory other users cannot enter (e.g. pyenv under
/root), a private mount namespace lays a world-traversable tmpfs over that directory
and moves the interpreter's tree back in; the host's mounts are untouched."""

import os
import pwd
import shlex
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
USER = "codesynth-sbx"
HOSTILE_SUITES = (
    "test_hostile.py",
    "test_hostile_processes.py",
    "test_hostile_verdicts.py",
    "test_hostile_kernel.py",
    "test_answer_key.py",
    "test_job_dir.py",
    "test_memory_and_status.py",
)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
        return pwd.getpwnam(USER)


def _unhide_python() -> str:
    """Shell lines that make sys.base_prefix reachable for other users, in a private mount ns."""
    target = os.path.realpath(sys.base_prefix)
    parts = target.strip("/").split("/")
    for i in range(1, len(parts)):
        blocked = "/" + "/".join(parts[:i])
        if not os.stat(blocked).st_mode & 0o001:
            keep = "/" + "/".join(parts[: i + 1])
            stash = "/tmp/.cs-unpriv-stash"
            return (
                f"mkdir -p {stash} && mount --bind {shlex.quote(keep)} {stash} && "
                f"mount -t tmpfs -o mode=755 tmpfs {shlex.quote(blocked)} && "
                f"mkdir -p {shlex.quote(keep)} && mount --move {stash} {shlex.quote(keep)} && "
            )
    return ""


@pytest.mark.skipif(os.environ.get("CODESYNTH_UNPRIV_CHILD") == "1", reason="already the unprivileged run")
def test_hostile_suite_as_unprivileged_user():
    if os.geteuid() != 0:
        pytest.skip("not root: the regular run already is the unprivileged run")
    if not (shutil.which("unshare") and shutil.which("setpriv")):
        pytest.skip("needs util-linux unshare and setpriv")
    user = _ensure_user()
    inner = " ".join(
        shlex.quote(a)
        for a in [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "--reset-env",
            "env",
            "CODESYNTH_UNPRIV_CHILD=1",
            "PYTHONDONTWRITEBYTECODE=1",
            "HOME=/tmp",
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--timeout",
            "300",
            *[os.path.join(ROOT, "tests", "sandbox", name) for name in HOSTILE_SUITES],
        ]
    )
    script = _unhide_python() + f"cd {shlex.quote(ROOT)} && exec {inner}"
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    assert "skipped" not in done.stdout  # kill(-1) and the rest all ran
