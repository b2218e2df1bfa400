"""The worker: a single-threaded fork-server, started as a fresh interpreter by the pool
(inside bubblewrap when available). Protocol: length-prefixed JSON frames, requests on
stdin, replies on stdout.

Per run it forks two children:
  * the judge, from the worker, which runs the tests and reports per-case events;
  * the candidate, from the *zygote*: a child forked at start-up, before the worker has
    seen any job. The candidate therefore inherits no test source or expected values,
    not even those of earlier runs, to read out of memory.
The judge calls the candidate over two pipes. The worker alone decides the verdict
from the judge's events and the candidate's wait status.
"""
from __future__ import annotations

import hashlib
import os
import select
import shutil
import signal
import socket
import sys
import time
from array import array

from sandbox import candidate, codec, judge, verdict
from sandbox.cases import TESTS_FILENAME, plan as plan_cases
from sandbox.lockdown import Guard

PRELOAD = ("math", "re", "string", "itertools", "collections", "functools", "heapq", "bisect", "random",
           "statistics", "fractions", "decimal", "hashlib", "typing", "json", "copy", "operator",
           "datetime", "numbers", "array", "struct", "textwrap", "unicodedata", "cmath", "ctypes", "resource")
TAIL_BYTES = 4096
_PR_SET_CHILD_SUBREAPER = 36


# ---- zygote: forks candidate processes; never sees tests ----------------------------------

def send_msg(sock: socket.socket, obj, fds=()) -> None:
    data = codec.dumps(obj)
    header = len(data).to_bytes(4, "little")
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", fds))] if fds else []
    sock.sendmsg([header], anc)
    sock.sendall(data)


def recv_msg(sock: socket.socket):
    header, anc, _, _ = sock.recvmsg(4, socket.CMSG_SPACE(16 * 4))
    if not header:
        return None, []
    while len(header) < 4:
        header += sock.recv(4 - len(header))
    fds = array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    size, chunks = int.from_bytes(header, "little"), []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            return None, list(fds)
        chunks.append(chunk)
        size -= len(chunk)
    return codec.loads(b"".join(chunks)), list(fds)


def zygote_loop(sock: socket.socket, guard: Guard) -> None:
    while True:
        job, fds = recv_msg(sock)
        if job is None:
            return
        if job.get("op") != "run":
            for fd in fds:
                os.close(fd)
            continue  # a late "kill" for a run that is already over
        req_r, resp_w, out_w, err_w = fds
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                req, resp = guard.apply(write_dir=job["job_dir"], stdout_fd=out_w, stderr_fd=err_w,
                                        keep=[req_r, resp_w], cpu_s=job["cpu_s"], memory_mb=job["memory_mb"])
                os.chdir(job["job_dir"])
            except BaseException as exc:  # noqa: BLE001
                os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
                os._exit(71)
            candidate.main_in_child(job["source"], job["entry_point"], req, resp)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        for fd in fds:
            os.close(fd)
        send_msg(sock, {"id": job["id"], "started": pid})
        status, rusage, reason = _watch(pid, sock, job["id"], job["deadline"])
        send_msg(sock, {"id": job["id"], "status": status, "maxrss": rusage.ru_maxrss, "reason": reason})


def _watch(pid: int, sock: socket.socket, run_id, deadline: float):
    """Wait for the candidate; kill its group at the deadline or when the worker asks."""
    pidfd, reason = os.pidfd_open(pid), ""
    try:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([pidfd, sock], [], [], max(left, 0))[0] if left > 0 else []
            if pidfd in ready:
                break
            if sock in ready:
                msg, fds = recv_msg(sock)
                for fd in fds:
                    os.close(fd)
                if msg is None:
                    reason = "worker gone"
                elif msg.get("op") != "kill" or msg.get("id") != run_id:
                    continue
                reason = reason or "stopped"
            elif not ready:
                reason = "deadline"
            _kill_group(pid)
            break
    finally:
        os.close(pidfd)
    _, status, rusage = os.wait4(pid, 0)
    return status, rusage, reason


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


# ---- worker: runs jobs ----------------------------------------------------------------

class Worker:
    def __init__(self, config: dict, proto_in: int, proto_out: int):
        self.config, self.proto_in, self.proto_out = config, proto_in, proto_out
        self.job_root = config["job_root"]
        os.makedirs(self.job_root, mode=0o700, exist_ok=True)
        self.guard = Guard(config["landlock"], config["seccomp"], config["read_paths"])
        self._plans: dict[str, tuple] = {}
        self._prompts: dict[str, object] = {}
        parent_sock, child_sock = socket.socketpair()
        self.zygote = os.fork()
        if self.zygote == 0:
            parent_sock.close()
            os.close(proto_in)
            os.close(proto_out)
            code = 0
            try:
                zygote_loop(child_sock, self.guard)
            except BaseException:  # noqa: BLE001
                code = 1
            os._exit(code)
        child_sock.close()
        self.zsock = parent_sock

    def serve(self) -> None:
        codec.write_frame(self.proto_out, {"hello": self.guard.layers, "pid": os.getpid()})
        while True:
            msg = codec.read_frame(self.proto_in)
            if msg is None:
                return
            if msg.get("op") == "run":
                result = self.run(msg)
                codec.write_frame(self.proto_out, {"id": msg["id"], "result": result})
            # "abort" for a run already over: nothing to do

    def _plan(self, tests: str):
        key = hashlib.sha256(tests.encode("utf-8", "surrogatepass")).hexdigest()
        if key not in self._plans:
            if len(self._plans) > 512:
                self._plans.clear()
            plan = plan_cases(tests)
            self._plans[key] = (plan, compile(plan.tree, TESTS_FILENAME, "exec"))
        return self._plans[key]

    def _prompt_code(self, prompt: str):
        if prompt not in self._prompts:
            if len(self._prompts) > 512:
                self._prompts.clear()
            try:
                self._prompts[prompt] = compile(prompt, "<prompt>", "exec")
            except (SyntaxError, ValueError):
                self._prompts[prompt] = None  # a prompt that ends mid-body: tests get no helpers
        return self._prompts[prompt]

    def run(self, msg: dict) -> dict:
        t0 = time.monotonic()
        prog, timeout = msg["program"], float(msg["timeout_s"])
        try:
            plan, tests_code = self._plan(prog["tests"])
        except (SyntaxError, ValueError, RecursionError) as exc:
            return verdict.sandbox_failure(f"the tests do not compile: {exc}")
        prompt_code = self._prompt_code(prog["prompt"])
        run_id = msg["id"]
        job_dir = os.path.join(self.job_root, f"run{run_id}")
        os.mkdir(job_dir, 0o700)
        deadline = t0 + timeout
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        for fd in (out_r, err_r, res_r):
            os.set_blocking(fd, False)
        limits = {"cpu_s": timeout, "memory_mb": int(msg.get("memory_mb", 1024))}
        send_msg(self.zsock, {"op": "run", "id": run_id, "source": prog["prompt"] + prog["completion"],
                              "entry_point": prog["entry_point"], "job_dir": job_dir, "deadline": deadline,
                              **limits}, [req_r, resp_w, out_w, err_w])
        pid = os.fork()
        if pid == 0:
            try:
                req, resp, res = self.guard.apply(write_dir=None, stdout_fd=out_w, stderr_fd=err_w,
                                                  keep=[req_w, resp_r, res_w], **limits)
            except BaseException as exc:  # noqa: BLE001
                os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
                os._exit(71)
            judge.main_in_child(plan, tests_code, prompt_code, prog["entry_point"], req, resp, res)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        for fd in (req_r, req_w, resp_r, resp_w, out_w, err_w, res_w):
            os.close(fd)
        try:
            state = self._collect(run_id, pid, res_r, out_r, err_r, deadline)
        finally:
            for fd in (res_r, out_r, err_r):
                os.close(fd)
            self._sweep_orphans()
            shutil.rmtree(job_dir, ignore_errors=True)
        state["wall_ms"] = (time.monotonic() - t0) * 1000
        return verdict.assemble(plan.cases, state)

    def _collect(self, run_id, judge_pid: int, res_r: int, out_r: int, err_r: int, deadline: float) -> dict:
        events, buf = [], bytearray()
        tails = {out_r: bytearray(), err_r: bytearray()}
        state = {"events": events, "timed_out": False, "aborted": False, "judge_status": None,
                 "cand": None}
        judge_pidfd = os.pidfd_open(judge_pid)
        watching = [judge_pidfd, res_r, out_r, err_r, self.zsock, self.proto_in]
        judge_exit, hard_end = None, deadline + 5.0
        while judge_exit is None or state["cand"] is None:
            now = time.monotonic()
            if now >= hard_end:
                raise RuntimeError("run did not wind down after its deadline")
            if judge_exit is None and now >= deadline and not state["timed_out"]:
                state["timed_out"] = True
                self._stop(run_id, judge_pid)
            running = judge_exit is None and not state["timed_out"]
            ready = select.select(watching, [], [], max((deadline if running else hard_end) - now, 0))[0]
            for fd in ready:
                if fd in tails:
                    _drain(fd, tails[fd], watching)
                elif fd == res_r:
                    if not _read_into(fd, buf):
                        watching.remove(res_r)
                    events.extend(_frames(buf))
                elif fd == judge_pidfd:
                    _read_into(res_r, buf)
                    events.extend(_frames(buf))
                    judge_exit = os.waitpid(judge_pid, 0)[1]
                    watching.remove(judge_pidfd)
                    os.close(judge_pidfd)
                    send_msg(self.zsock, {"op": "kill", "id": run_id})  # the candidate is no longer needed
                elif fd == self.zsock:
                    reply, fds = recv_msg(self.zsock)
                    for extra in fds:
                        os.close(extra)
                    if reply is None:
                        raise RuntimeError("zygote died")
                    if reply.get("id") == run_id and "status" in reply:
                        state["cand"] = reply
                elif fd == self.proto_in:
                    msg = codec.read_frame(self.proto_in)
                    if msg is None:
                        self._stop(run_id, judge_pid)
                        raise SystemExit(0)
                    if msg.get("op") == "abort" and msg.get("id") == run_id:
                        state["aborted"] = True
                        self._stop(run_id, judge_pid)
        for fd in tails:
            _drain(fd, tails[fd], [])
        state["judge_status"] = judge_exit
        state["stdout_tail"] = tails[out_r].decode("utf-8", "replace")
        state["stderr_tail"] = tails[err_r].decode("utf-8", "replace")
        return state

    def _stop(self, run_id, judge_pid: int) -> None:
        _kill_group(judge_pid)
        send_msg(self.zsock, {"op": "kill", "id": run_id})

    def _sweep_orphans(self) -> None:
        """Kill any process that was re-parented to us (we are a subreaper), e.g. a
        setsid'd grandchild in a tier without seccomp. The zygote is our only child."""
        try:
            with open(f"/proc/self/task/{os.getpid()}/children") as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:
            return
        for pid in pids:
            if pid != self.zygote:
                _kill_group(pid)
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass


def _read_into(fd: int, buf: bytearray) -> bool:
    """False at EOF."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        buf += chunk
        if len(buf) > codec.MAX_FRAME:
            raise RuntimeError("judge output over the frame limit")


def _frames(buf: bytearray):
    out = []
    while len(buf) >= 4:
        size = int.from_bytes(buf[:4], "little")
        if len(buf) < 4 + size:
            break
        out.append(codec.loads(bytes(buf[4:4 + size])))
        del buf[:4 + size]
    return out


def _drain(fd: int, tail: bytearray, watching: list) -> None:
    """Read what is there (up to 1 MiB per wake-up), keep the last TAIL_BYTES."""
    for _ in range(16):
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            if fd in watching:
                watching.remove(fd)
            return
        tail += chunk
        del tail[:-TAIL_BYTES]


def main() -> None:
    config = codec.loads(sys.argv[2].encode())
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    import ctypes
    libc = ctypes.CDLL(None)
    if config.get("ppid"):  # no PID namespace: die with the pool instead
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != config["ppid"]:
            os._exit(0)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(4, 0, 0, 0, 0)  # not dumpable: no /proc/<worker>/mem for anyone
    for name in PRELOAD:
        __import__(name)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    worker = Worker(config, proto_in, proto_out)
    try:
        worker.serve()
    finally:
        _kill_group(worker.zygote)


if __name__ == "__main__":
    main()
