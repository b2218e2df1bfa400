"""llama-cpp-python's OpenAI-compatible server on 127.0.0.1, serving the default model's GGUF, for
the real-server tests and benchmarks/bench_remote.py."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# The version is pinned in installer/pins.txt (a pip constraints file), with the installers' pins.
PINS = Path(__file__).resolve().parents[2] / "installer" / "pins.txt"
LLAMA_CPP = "llama-cpp-python[server]"
# The portable build: -march=native binaries would crash on CI runners with other CPUs.
BUILD_ENV = {"CMAKE_ARGS": "-DGGML_NATIVE=OFF"}
SERVED_NAME = "smollm2"


def llama_server_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("uvicorn") is not None


def install_llama_server(log=print) -> str | None:
    """Install llama-cpp-python (a ~5 minute build on 2 cores; pip caches the wheel).
    Returns None when it is usable, else why it cannot be built here."""
    if llama_server_installed():
        return None
    log(f"building {LLAMA_CPP} (about 5 minutes on 2 cores, once: pip caches the wheel)")
    cmd = [sys.executable, "-m", "pip", "install", "-q", "-c", str(PINS), LLAMA_CPP]
    proc = subprocess.run(cmd, env={**os.environ, **BUILD_ENV}, capture_output=True, text=True)
    importlib.invalidate_caches()
    if proc.returncode != 0 or not llama_server_installed():
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        return f"{LLAMA_CPP} cannot be built here: {tail}"
    return None


def _die_with_parent() -> None:
    # A test run killed by a timeout must not leave a server behind, eating the cores.
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """One server process; `url` is its /v1 base."""

    def __init__(
        self,
        gguf: Path,
        log_path: Path,
        port: int | None = None,
        threads: int = 2,
        extra: tuple[str, ...] = (),
        queue_requests: bool = True,
    ):
        """`queue_requests=False` starts the server as its documentation shows, with its default
        interrupt_requests: a new request then ends the one being streamed."""
        self.gguf, self.log_path, self.threads, self.extra = gguf, log_path, threads, extra
        self.queue_requests = queue_requests
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 180.0) -> LlamaServer:
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.gguf),
            "--model_alias",
            SERVED_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "2048",
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            # By default a new request interrupts the one being streamed: concurrent
            # requests must queue instead.
            *(("--interrupt_requests", "False") if self.queue_requests else ()),
            *self.extra,
        ]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers (401 where it wants a key): it is up
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout_s:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
