"""SandboxPool: in-process API over a set of worker processes.

Each worker is a fresh interpreter started with subprocess (the app has threads, so it
never forks itself), one per core by default, driven by one thread of this pool. That
thread also starts the worker, because bubblewrap's --die-with-parent is tied to the
thread that spawned it. A worker that dies or stops answering is killed (with its whole
PID namespace when namespaces are on) and replaced; the run it had is reported as a
crash or a timeout and the pool goes on.
"""

from __future__ import annotations

import base64
import itertools
import os
import platform
import queue
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from sandbox import allowlist, frames, seccomp_filter
from sandbox import layers as layers_mod
from sandbox.futures import RunFuture
from sandbox.layers import SandboxUnavailable
from sandbox.program import Program
from sandbox.results import RunResult
from sandbox.status import CRASH, TIMEOUT

if TYPE_CHECKING:
    from sandbox.requests import RunRequest, WorkerConfig

DEPTH = 2  # runs in flight per worker
WORKER_GRACE_S = 10.0  # beyond the run's own timeout, before a silent worker counts as hung
START_TIMEOUT_S = 60.0
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from sandbox.worker_boot import main; main()"


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """A pipe of a worker, which is always started with stdin and stdout pipes (typeshed makes them Optional)."""
    if stream is None:
        raise RuntimeError("the sandbox worker was started without its pipes")
    return stream


class _Queued(NamedTuple):
    """A submitted run, as it waits in the pool's queue and then in a worker."""

    future: RunFuture
    program: Program
    timeout_s: float
    memory_mb: int


class _Slot:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: SandboxPool, index: int):
        self.pool, self.index = pool, index
        self.proc: subprocess.Popen[bytes] | None = None
        self.layers: layers_mod.Layers | None = None
        self.error: BaseException | None = None
        self.inflight: dict[int, _Queued] = {}  # run id -> run, in send order
        self.ready = threading.Event()
        self._write_lock = threading.Lock()
        self._job_root: str | None = None
        self.thread = threading.Thread(target=self._loop, name=f"sandbox-slot-{index}", daemon=True)
        self.thread.start()

    # -- worker process --
    def _spawn(self) -> None:
        pool = self.pool
        bpf = pool._bpf(pool.memory_mb)  # first: a filter that cannot be built leaves no job folder behind
        ppid: int | None = None
        env: dict[str, str] | None = None
        if pool._found["namespaces"]:
            job_root = "/tmp/jobs"  # in the jail's own /tmp
            bwrap = shutil.which("bwrap")
            if bwrap is None:  # detect() found it, but PATH may have changed since
                raise SandboxUnavailable("bwrap is no longer on PATH; the sandbox worker cannot start")
            prefix = layers_mod.bwrap_argv(bwrap, pool._binds) + ["--"]
        else:
            self._job_root = job_root = tempfile.mkdtemp(prefix="codesynth-sbx-")
            ppid = os.getpid()
            prefix, env = [], {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        config: WorkerConfig = {
            "landlock": pool._found["landlock"],
            "bpf": bpf,
            "memory_mb": pool.memory_mb,
            "read_rules": pool._read_rules,
            "site_paths": pool._site_paths,
            "ppid": ppid,
            "cpu": pool._cpus[self.index] if pool._cpus else None,
            "job_root": job_root,
        }
        argv = prefix + [
            layers_mod.interpreter(),
            "-I",
            "-S",
            "-c",
            _BOOT,
            layers_mod.PACKAGE_ROOT,
            frames.dumps(config).decode(),
        ]
        stderr = None if os.environ.get("CODESYNTH_SANDBOX_DEBUG") else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        hello = self._read(START_TIMEOUT_S)
        if not isinstance(hello, dict) or "hello" not in hello:
            self._kill()
            raise SandboxUnavailable(f"sandbox worker failed to start (got {hello!r})")
        self.layers = dict(hello["hello"], namespaces=pool._found["namespaces"])

    def _kill(self, grace_s: float = 0.0) -> None:
        """grace_s: time for the worker to clean up after an end-of-input (a worker without a
        PID namespace sweeps up what its candidates left running)."""
        # Not under the write lock: a _send blocked on a hung worker only ends once it is killed.
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if grace_s and not self.pool._found["namespaces"]:
            try:
                _pipe(proc.stdin).close()
                proc.wait(timeout=grace_s)
            except (OSError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # bwrap, hence its PID namespace, or the bare worker
        except OSError:
            pass
        for stream in (proc.stdin, proc.stdout):
            try:
                _pipe(stream).close()
            except OSError:
                pass
        proc.wait()
        if self._job_root:
            shutil.rmtree(self._job_root, ignore_errors=True)
            self._job_root = None

    def _send(self, obj: RunRequest | dict[str, object]) -> None:
        """Best effort: a worker that cannot be written to is found gone by _collect_one, which
        reports its runs and starts another, so that a cancel never fails on a dying worker."""
        with self._write_lock:
            proc = self.proc
            if proc is None:
                return
            try:
                frames.write_frame(_pipe(proc.stdin).fileno(), obj)
            except (OSError, ValueError):  # its pipe broken by its death, or closed by _kill
                pass

    def _read(self, timeout: float) -> Any:  # a decoded frame (frames.read_frame)
        proc = self.proc
        if proc is None:  # killed meanwhile by close(): _collect_one reports the worker gone
            raise EOFError
        fd = _pipe(proc.stdout).fileno()
        if not select.select([fd], [], [], timeout)[0]:
            raise TimeoutError
        return frames.read_frame(fd)

    # -- jobs --
    # Up to DEPTH runs are sent ahead, so that the worker starts the next run the moment
    # it replies instead of waiting for this thread to wake up and send it.

    def _loop(self) -> None:
        try:
            self._spawn()
        except BaseException as exc:  # noqa: BLE001 - reported by the pool constructor
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        stopping = False
        while True:
            while not stopping and len(self.inflight) < DEPTH:
                try:
                    item = self.pool._queue.get() if not self.inflight else self.pool._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                if item[0].set_running_or_notify_cancel():
                    self._start(next(self.pool._ids), item)
            if not self.inflight:
                if stopping:
                    break
                continue
            self._collect_one()
        self._kill(grace_s=2.0)

    def _start(self, run_id: int, item: _Queued) -> None:
        fut, program, timeout_s, memory_mb = item
        self.inflight[run_id] = item
        fut._abort = lambda: self._send({"op": "abort", "id": run_id})
        try:
            if self.proc is None:
                self._spawn()
            request: RunRequest = {
                "op": "run",
                "id": run_id,
                "timeout_s": timeout_s,
                "memory_mb": memory_mb,
                "bpf": self.pool._bpf(memory_mb) if memory_mb != self.pool.memory_mb else None,
                "program": {
                    "prompt": program.prompt,
                    "completion": program.completion,
                    "tests": program.tests,
                    "entry_point": program.entry_point,
                },
            }
            self._send(request)
        except (OSError, SandboxUnavailable):
            pass  # the worker did not start: _collect_one finds it gone and reports it

    def _finish(self, run_id: int, result: RunResult) -> None:
        fut = self.inflight.pop(run_id)[0]
        if not fut.cancelled():
            fut.set_result(result)

    def _collect_one(self) -> None:
        head = next(iter(self.inflight))
        try:
            if self.proc is None:
                raise EOFError
            reply = self._read(self.inflight[head][2] + WORKER_GRACE_S)
            if reply is None:
                raise EOFError
            if reply.get("id") in self.inflight:
                self._finish(reply["id"], RunResult.from_json(reply["result"]))
                return
            if "retire" not in reply:
                return
            # It could not make its job folder fresh (sandbox/jobfs.py): no run of its is to blame.
            self._kill()
        except TimeoutError:
            self._kill()
            self._finish(
                head,
                RunResult(
                    TIMEOUT,
                    human_eval_result="timed out",
                    stderr_tail="sandbox worker stopped answering; it was replaced",
                ),
            )
        except (EOFError, OSError, frames.FrameError, KeyError, TypeError) as exc:
            code = self.proc.poll() if self.proc else None
            self._kill()
            why = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"status {code}"
            self._finish(
                head,
                RunResult(
                    CRASH,
                    human_eval_result="failed: sandbox worker crashed",
                    stderr_tail=f"sandbox worker died ({why}, {type(exc).__name__}); it was replaced",
                ),
            )
        # The runs sent after the failed one never started: give them to a new worker.
        for run_id, item in list(self.inflight.items()):
            del self.inflight[run_id]
            self._start(run_id, item)


def _worker_cpus(workers: int) -> list[int] | None:
    """The CPU each worker's process tree is pinned to, when there is a worker for every CPU.

    A run bounces between the judge and the candidate once per test call; on different CPUs
    each bounce is a cross-CPU wake-up, which costs an interrupt (and, in a virtual machine,
    an exit to the host). Keeping a worker's processes on one CPU gave 15% more runs per
    second on 2 cores (BENCHMARKS.md). With fewer workers than CPUs the scheduler is left to
    place them, so that a busy CPU cannot hold a worker back."""
    cpus = sorted(os.sched_getaffinity(0))
    if workers < len(cpus):
        return None
    return [cpus[i % len(cpus)] for i in range(workers)]


class SandboxPool:
    """Runs Programs in isolated worker processes. See sandbox/README.md for the model."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        memory_mb: int = 1024,
        packages: Iterable[str] = (),
        unsafe_allow_unisolated: bool = False,
        use_namespaces: bool = True,
    ):
        """packages: top-level import names (e.g. "numpy") that candidates and tests may import,
        each with everything in its folder; by default only pytest's (allowlist.tests_helpers),
        so that no package data, such as the problems file of an evaluation set, is readable.
        Name each dependency as well."""
        if platform.system() != "Linux":
            raise SandboxUnavailable(layers_mod.explain({}))
        found = layers_mod.detect()
        if not use_namespaces:
            found["namespaces"] = False
        if not (found["namespaces"] or found["landlock"]) and not unsafe_allow_unisolated:
            raise SandboxUnavailable(layers_mod.explain(found))
        if memory_mb <= 0:
            raise ValueError("memory_mb must be a positive number of MiB")
        self._found, self.memory_mb, self.packages = found, memory_mb, tuple(packages)
        allowed = allowlist.find_packages(self.packages + allowlist.tests_helpers())
        self._read_rules, self._site_paths = allowlist.candidate_rules(allowed)
        self._binds = layers_mod.worker_binds(allowed)
        self._filters: dict[int, str | None] = {}
        self._queue: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()  # None: a slot's signal to stop
        self._ids = itertools.count(1)
        self._closed = False
        n = workers or len(os.sched_getaffinity(0))  # one per core this process may use
        self._cpus = _worker_cpus(n)
        self._slots = [_Slot(self, i) for i in range(n)]
        for slot in self._slots:
            slot.ready.wait()
        errors = [s.error for s in self._slots if s.error]
        if errors:
            self.close()
            raise errors[0]
        first_layers = self._slots[0].layers
        if first_layers is None:  # ready without an error means the worker said hello
            self.close()
            raise SandboxUnavailable("the sandbox worker started without reporting its layers")
        self.layers = dict(first_layers, unsafe=not (found["namespaces"] or found["landlock"]))

    def _bpf(self, memory_mb: int) -> str | None:
        """The seccomp program for this memory limit (base64), built once per limit."""
        if memory_mb not in self._filters:
            program = seccomp_filter.bpf_program(memory_mb) if self._found["seccomp"] else None
            self._filters[memory_mb] = base64.b64encode(program).decode() if program else None
        return self._filters[memory_mb]

    @property
    def worker_pids(self) -> list[int]:
        return [s.proc.pid for s in self._slots if s.proc is not None]

    def submit(self, program: Program, timeout_s: float = 3.0, memory_mb: int | None = None) -> RunFuture:
        if self._closed:
            raise RuntimeError("SandboxPool is closed")
        program.validate()
        if not 0 < timeout_s <= 3600:
            raise ValueError("timeout_s must be in (0, 3600]")
        if memory_mb is not None and memory_mb <= 0:
            raise ValueError("memory_mb must be a positive number of MiB")
        fut = RunFuture()
        self._queue.put(_Queued(fut, program, float(timeout_s), int(memory_mb or self.memory_mb)))
        return fut

    def map(self, programs: Iterable[Program], timeout_s: float = 3.0) -> list[RunResult]:
        futures = [self.submit(p, timeout_s) for p in programs]
        return [f.result() for f in futures]

    def close(self) -> None:
        """Stops every worker; queued runs are cancelled. Leaves no process behind."""
        if self._closed:
            return
        self._closed = True
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in self._slots:
            self._queue.put(None)
        for slot in self._slots:
            for item in list(slot.inflight.copy().values()):
                item[0].cancel()  # stops the run in the worker at once
        for slot in self._slots:
            slot.thread.join(timeout=30)
            slot._kill()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing can be reported from a finalizer
            pass
