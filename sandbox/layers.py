"""Which isolation layers this machine offers, how to start a worker with them, and what
to tell the user when the essential ones are missing."""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import TypedDict

from sandbox import allowlist, landlock, seccomp_filter

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TMPFS_BYTES = 256 << 20
UNSAFE_SETTING = "unsafe_allow_unisolated"


# The layers a worker runs candidates under: each one's name -> on or off, except "landlock",
# the Landlock ABI version in use (0: none).
Layers = dict[str, bool | int]


class HostSupport(TypedDict):
    """What detect() found this host offers."""

    namespaces: bool  # bubblewrap with user namespaces
    landlock: int  # the ABI version, 0 without Landlock
    seccomp: bool
    rlimits: bool


class SandboxUnavailable(RuntimeError):
    """This machine cannot run untrusted code safely; the message says what is missing."""


def python_paths() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.join(PACKAGE_ROOT, "sandbox")}
    paths.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    return sorted(p for p in paths if os.path.isdir(p))


def interpreter() -> str:
    """The base Python, outside any virtualenv: the worker needs no installed package."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def worker_binds(packages: dict[str, list[str]]) -> tuple[list[str], list[str], list[str]]:
    """(read-only binds, folders to hide under an empty tmpfs, binds laid over those) for a
    worker: the base Python without its package folders, this package's code, and the
    allowed packages (find_packages' {site: paths}) at their own paths."""
    binds = sorted(
        {
            p
            for p in (
                sys.base_prefix,
                sys.base_exec_prefix,
                os.path.dirname(os.path.dirname(interpreter())),
                os.path.join(PACKAGE_ROOT, "sandbox"),
            )
            if os.path.isdir(p)
        }
    )
    bound = binds + ["/usr", "/bin", "/lib", "/lib64", "/lib32"]
    hidden = [d for d in allowlist.package_dirs(bound) if any(d.startswith(b + os.sep) for b in bound)]
    return binds, hidden, sorted(p for paths in packages.values() for p in paths)


def bwrap_argv(bwrap: str, binds: tuple[list[str], list[str], list[str]] | None = None) -> list[str]:
    """binds: worker_binds(...); by default the interpreter and its virtualenv as they are."""
    read_only, hidden, laid_over = binds if binds is not None else (python_paths(), [], [])
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin:/bin",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    # The tmpfs comes before the Python binds: a checkout or venv under /tmp would otherwise be
    # hidden by it.
    argv += ["--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
    for path in read_only:
        argv += ["--ro-bind", path, path]
    for path in hidden:  # after the binds that hold them, so the tmpfs lies over them
        argv += ["--tmpfs", path]
    for path in laid_over:
        argv += ["--ro-bind", path, path]
    if os.path.exists("/etc/ld.so.cache"):
        argv += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    argv += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    return argv


@functools.lru_cache(maxsize=1)
def _bwrap_works(bwrap: str) -> bool:
    try:
        done = subprocess.run(
            bwrap_argv(bwrap) + ["--", sys.executable, "-I", "-c", "pass"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def detect() -> HostSupport:
    """What this host supports (the worker reports what it then really applied)."""
    if platform.system() != "Linux":
        return {"namespaces": False, "landlock": 0, "seccomp": False, "rlimits": False}
    bwrap = shutil.which("bwrap")
    return {
        "namespaces": bool(bwrap) and _bwrap_works(bwrap),
        "landlock": landlock.abi_version(),
        "seccomp": seccomp_filter.available(),
        "rlimits": True,
    }


def explain(found: Mapping[str, object]) -> str:
    system = platform.system()
    if system == "Darwin":
        return (
            "The sandbox does not support macOS yet (planned: sandbox-exec profiles with no network "
            "and writes only to the job dir, plus rlimits). Run evaluations on Linux."
        )
    if system == "Windows":
        return (
            "The sandbox does not support Windows yet (planned: a Job Object with memory, CPU and "
            "process-count limits under a restricted token / AppContainer). Use Linux or WSL2."
        )
    return (
        "Refusing to run untrusted code: neither user namespaces (bubblewrap) nor Landlock work here "
        f"(detected: {found}). Fix one of: install bubblewrap (apt install bubblewrap / dnf install "
        "bubblewrap) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; "
        "on Ubuntu 23.10+ also kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile "
        "for bwrap); or boot a Linux >= 5.13 kernel with Landlock enabled (lsm=landlock,...). "
        f"To run anyway, without isolation, pass {UNSAFE_SETTING}=True: safety is lost."
    )


# What each layer does, in plain words, and how to get it where it is missing.
LAYER_HELP = {
    "namespaces": (
        "a separate system view: no network, read-only system files, its own processes",
        "install bubblewrap (sudo apt install bubblewrap) and allow unprivileged user namespaces",
    ),
    "landlock": (
        "file-access rules enforced by the kernel: it writes only to its own folder",
        "use a Linux kernel 5.13 or newer with Landlock enabled",
    ),
    "seccomp": (
        "a system-call filter: no new programs, no sockets, no debugging of other processes",
        "pip install pyseccomp (needs libseccomp: sudo apt install libseccomp2)",
    ),
    "rlimits": ("limits on CPU time, memory, file size and open files", "runs only on Linux"),
}


def plain_report(layers: Mapping[str, object]) -> str:
    """Which protections generated code runs under, and what to install for a missing one."""
    if layers.get("unsafe"):
        return "Generated code runs WITHOUT isolation (you chose this setting): it can harm this computer."
    active = [what for key, (what, _fix) in LAYER_HELP.items() if layers.get(key)]
    missing = [f"{key} ({fix})" for key, (_what, fix) in LAYER_HELP.items() if not layers.get(key)]
    text = "Generated code runs in the sandbox with " + "; ".join(active) + "."
    if missing:
        text += " Missing, and how to add it: " + "; ".join(missing) + "."
    return text
