"""A Jupyter kernel jailed like the sandbox workers, for the app's console.

bubblewrap gives it no network (so no TCP to the host either) and no host files beyond
Python itself; the app talks to it over IPC sockets in a private directory, the one host
path bound into the jail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

from jupyter_client.connect import write_connection_file

from sandbox import layers
from sandbox.layers import SandboxUnavailable


class SandboxedKernel:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.directory: str | None = None

    def start(self) -> str:
        """Starts the kernel; returns its connection file."""
        bwrap = shutil.which("bwrap")
        if not (bwrap and layers.detect()["namespaces"]):
            raise SandboxUnavailable("the console needs bubblewrap with user namespaces: " + layers.explain({}))
        self.directory = tempfile.mkdtemp(prefix="codesynth-kernel-")
        connection_file, _ = write_connection_file(
            os.path.join(self.directory, "kernel.json"),
            transport="ipc",
            ip=os.path.join(self.directory, "ipc"),
            key=secrets.token_hex(32).encode(),
        )
        argv = layers.bwrap_argv(bwrap) + [
            "--bind",
            self.directory,
            self.directory,
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "MPLBACKEND",
            "Agg",
            "--",
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            connection_file,
        ]
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        return connection_file

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # bwrap and, with its PID namespace, the kernel
            except OSError:
                pass
            process.wait()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
