"""The worker: a single-threaded fork-server, started as a fresh interpreter by the pool
(inside bubblewrap when available). Requests arrive on stdin and replies leave on stdout
as length-prefixed JSON frames.

It keeps two long-lived children, both locked down:
  * the zygote, forked at start-up before the worker has seen any job, forks one
    candidate process per run (one run ahead, half locked down, so no run waits for a
    fork) and reaps it. Candidates therefore inherit no test source and no expected
    values, not even from earlier runs, to read out of memory. The worker hands each job
    to the waiting candidate itself and tells the zygote when to kill it;
  * the judge, which runs the tests and calls the candidate over two pipes.
The worker alone assembles the verdict, from the judge's events and the candidate's
wait status as seen by the zygote. Nothing the candidate writes is parsed here.
"""
from __future__ import annotations

import base64
import marshal
import os
import select
import signal
import socket
import struct
import sys
import time
from array import array

from sandbox import candidate, channel, codec, verdict
from sandbox.libc import libc
from sandbox.lockdown import Guard

# Imported once here so each candidate does not pay for them; kept small because the
# cost of every fork grows with the size of the fork-server.
PRELOAD = ("math", "re", "string", "itertools", "collections", "functools", "heapq", "bisect", "typing",
           "random", "copy", "operator")
TAIL_BYTES = 4096
JUDGE_GRACE_S = 1.0
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 1, 4, 36


def _kill_group(pid: int) -> None:
    for target in (os.killpg, os.kill):
        try:
            target(pid, signal.SIGKILL)
        except OSError:
            pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# ---- zygote -------------------------------------------------------------------------
# The zygote shares every page with its spare candidate, so each page it writes after a fork
# is copied: it only forks and reaps, and speaks in fixed-size packets (SOCK_SEQPACKET).
# The worker, which never forks after start-up, hands the job over and decides when to kill.
SPARE = struct.Struct("<i")  # zygote -> worker: a spare's pid; its handoff socket rides along
FATE = struct.Struct("<iiq")  # zygote -> worker: pid, wait status, peak RSS in KiB
KILL = struct.Struct("<i")  # worker -> zygote: kill this candidate's process group


def zygote_loop(sock: socket.socket, guard: Guard) -> None:
    """Keeps one candidate forked and half locked down ahead of its job, so a run does not
    wait for a fork; reports how it ended."""
    while True:
        pid, handoff = _prefork(sock, guard)
        sock.sendmsg([SPARE.pack(pid)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", [handoff.fileno()]))])
        handoff.close()
        status, rusage = _wait(pid, sock)
        sock.send(FATE.pack(pid, status, rusage.ru_maxrss))


def _prefork(sock: socket.socket, guard: Guard):
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        sock.close()
        _candidate_child(theirs, guard)
    theirs.close()
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    return pid, ours


def _candidate_child(handoff: socket.socket, guard: Guard) -> None:
    try:
        guard.prepare(writable=True)
        data, fds = channel.recv_bytes(handoff)
        if data is None:
            os._exit(0)
        job = marshal.loads(data)  # from the worker, which this process trusts until the job runs
        handoff.detach()  # closed with every other stray fd by seal()
        req_r, resp_w, out_w, err_w = fds
        req, resp = guard.seal(stdout_fd=out_w, stderr_fd=err_w, keep=[req_r, resp_w],
                               cpu_s=job["cpu_s"], memory_mb=job["memory_mb"])
        os.chdir(job["job_dir"])
    except BaseException as exc:  # noqa: BLE001
        os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
        os._exit(71)
    candidate.main_in_child(job["program"], job["entry_point"], req, resp)


def _wait(pid: int, sock: socket.socket):
    """Reap the candidate; kill its group first when the worker asks (or is gone)."""
    pidfd = os.pidfd_open(pid)
    try:
        while pidfd not in select.select([pidfd, sock], [], [])[0]:
            packet = sock.recv(KILL.size)
            if not packet:  # the worker is gone
                _kill_group(pid)
                os._exit(0)
            if KILL.unpack(packet)[0] == pid:  # not a late kill for an earlier run
                _kill_group(pid)
    finally:
        os.close(pidfd)
    _, status, rusage = os.wait4(pid, 0)
    return status, rusage


# ---- worker -------------------------------------------------------------------------

class Worker:
    def __init__(self, config: dict, proto_in: int, proto_out: int):
        self.proto_in, self.proto_out = proto_in, proto_out
        self.judge = self.jsock = self.spare = None
        self.queued: list[dict] = []
        self.job_dir = os.path.join(config["job_root"], "job")
        os.makedirs(self.job_dir, mode=0o700, exist_ok=True)
        bpf = base64.b64decode(config["bpf"]) if config.get("bpf") else None
        self.guard = Guard(config["landlock"], bpf, config["read_paths"], self.job_dir)
        self.memory_mb = int(config.get("memory_mb", 1024))
        self.zygote, self.zsock = self._fork_child(lambda sock: zygote_loop(sock, self.guard), socket.SOCK_SEQPACKET)
        self._start_judge()
        try:  # kept open: re-reading it costs 0.5 µs, opening it 11 µs (measured)
            self.children = os.open(f"/proc/self/task/{os.getpid()}/children", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.children = None  # no /proc: nothing to sweep with

    def _fork_child(self, body, kind=socket.SOCK_STREAM):
        parent_sock, child_sock = socket.socketpair(type=kind)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                parent_sock.close()
                os.close(self.proto_in)
                os.close(self.proto_out)
                body(child_sock)
            except BaseException:  # noqa: BLE001
                code = 1
            os._exit(code)
        child_sock.close()
        return pid, parent_sock

    def _start_judge(self) -> None:
        from sandbox import judge  # after the zygote fork: the zygote does not need it

        def body(sock):
            null = os.open(os.devnull, os.O_WRONLY)
            sock_fd = self.guard.apply(writable=False, stdout_fd=null, stderr_fd=null, keep=[sock.detach()],
                                       cpu_s=None, memory_mb=self.memory_mb)[0]
            judge.Server(socket.socket(fileno=sock_fd)).serve()

        self.judge, self.jsock = self._fork_child(body)

    def _restart_judge(self) -> None:
        _kill_group(self.judge)
        _reap(self.judge)
        self.jsock.close()
        self._start_judge()

    def serve(self) -> None:
        codec.write_frame(self.proto_out, {"hello": self.guard.layers, "pid": os.getpid()})
        while True:
            msg = self.queued.pop(0) if self.queued else codec.read_frame(self.proto_in)
            if msg is None:
                return
            if msg.get("op") == "run":
                result = self.run(msg)
                codec.write_frame(self.proto_out, {"id": msg["id"], "result": result})
            # an "abort" for a run already over: nothing to do

    def run(self, msg: dict) -> dict:
        t0 = time.monotonic()
        prog, timeout, run_id = msg["program"], float(msg["timeout_s"]), msg["id"]
        source = prog["prompt"] + prog["completion"]
        memory_mb = int(msg.get("memory_mb", self.memory_mb))
        deadline = t0 + timeout
        job_dir = self.job_dir
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            job = marshal.dumps({"program": candidate.precompiled(source), "entry_point": prog["entry_point"],
                                 "job_dir": job_dir, "cpu_s": timeout, "memory_mb": memory_mb})
            pid, handoff = self._take_spare()
            # The last candidate is reaped (its fate came before this spare): its files can go,
            # and whatever it left running has been re-parented to us.
            _empty(job_dir)
            self._sweep_orphans()
            try:
                channel.send_bytes(handoff, job, [req_r, resp_w, out_w, err_w])
            except OSError:
                pass  # the spare died; the zygote reports how
            finally:
                handoff.close()
            channel.send_msg(self.jsock, {"op": "run", "id": run_id, "prompt": prog["prompt"], "tests": prog["tests"],
                                          "entry_point": prog["entry_point"]}, [req_w, resp_r])
        finally:
            for fd in (req_r, req_w, resp_r, resp_w, out_w, err_w):
                os.close(fd)
        try:
            state = self._collect(run_id, pid, out_r, err_r, deadline)
        finally:
            os.close(out_r)
            os.close(err_r)
        state["wall_ms"] = (time.monotonic() - t0) * 1000
        return verdict.assemble(state)

    def _take_spare(self):
        while self.spare is None:
            self._zygote_message(None)
        spare, self.spare = self.spare, None
        return spare

    def _zygote_message(self, state: dict | None) -> None:
        """A spare announced, or how a candidate ended (kept when it is the current run's)."""
        packet, anc, _, _ = self.zsock.recvmsg(FATE.size, socket.CMSG_SPACE(4))
        fds = channel.received_fds(anc)
        if not packet:
            raise RuntimeError("zygote died")
        if len(packet) == SPARE.size and len(fds) == 1:
            self.spare = (SPARE.unpack(packet)[0], socket.socket(fileno=fds[0]))
            return
        for fd in fds:
            os.close(fd)
        pid, status, maxrss = FATE.unpack(packet)
        if state is not None and pid == state["pid"]:
            state["cand"] = {"status": status, "maxrss": maxrss, "reason": "deadline" if state["deadline_kill"] else ""}

    def _kill(self, state: dict, at_deadline: bool = False) -> None:
        if not state["killed"]:
            state["killed"], state["deadline_kill"] = True, at_deadline
            self.zsock.send(KILL.pack(state["pid"]))

    def _collect(self, run_id, pid: int, out_r: int, err_r: int, deadline: float) -> dict:
        tails = {out_r: bytearray(), err_r: bytearray()}
        state = {"events": [], "timed_out": False, "aborted": False, "judge_done": False, "cand": None,
                 "pid": pid, "killed": False, "deadline_kill": False}
        for fd in tails:
            os.set_blocking(fd, False)
        open_tails = [out_r, err_r]
        judge_end, hard_end = deadline + JUDGE_GRACE_S, deadline + JUDGE_GRACE_S + 5.0
        while not state["judge_done"] or (state["cand"] is None and _needs_fate(state)):
            now = time.monotonic()
            if now >= hard_end:
                raise RuntimeError("the candidate did not go away after its deadline")
            if now >= deadline:
                self._kill(state, at_deadline=True)
            if not state["judge_done"] and now >= judge_end:
                # Tests that hang without calling the candidate: replace the judge.
                state["timed_out"] = state["judge_done"] = True
                self._restart_judge()
                continue
            until = judge_end if not state["judge_done"] else hard_end
            if not state["killed"]:
                until = min(until, deadline)
            watching = [self.jsock, self.zsock, self.proto_in, *open_tails]
            for fd in select.select(watching, [], [], until - now)[0]:
                if fd in tails:
                    _drain(fd, tails[fd], open_tails)
                elif fd is self.jsock:
                    self._judge_event(run_id, state)
                elif fd is self.zsock:
                    self._zygote_message(state)
                elif fd == self.proto_in:
                    self._pool_message(run_id, state)
        for fd in tails:
            _drain(fd, tails[fd], [])
        state["stdout_tail"] = tails[out_r].decode("utf-8", "replace")
        state["stderr_tail"] = tails[err_r].decode("utf-8", "replace")
        return state

    def _judge_event(self, run_id, state: dict) -> None:
        msg, fds = channel.recv_msg(self.jsock)
        for fd in fds:
            os.close(fd)
        if msg is None:  # the judge died (e.g. the tests ran it out of memory)
            state["judge_done"] = True
            state["judge_lost"] = True
            self._kill(state)
            self._restart_judge()
            return
        if msg.get("id") != run_id:
            return
        events = msg.get("evs")
        events = events if isinstance(events, list) else []
        state["events"].extend(events)
        if any(isinstance(e, list) and e and e[0] in ("done", "bad_tests") for e in events):
            state["judge_done"] = True
            self._kill(state)  # the candidate is no longer needed

    def _pool_message(self, run_id, state: dict) -> None:
        msg = codec.read_frame(self.proto_in)
        if msg is None:
            raise SystemExit(0)
        if msg.get("op") == "run":
            self.queued.append(msg)  # sent ahead by the pool
        elif msg.get("op") == "abort" and msg.get("id") == run_id and not state["judge_done"]:
            state["aborted"] = state["judge_done"] = True
            self._kill(state)
            self._restart_judge()
        elif msg.get("op") == "abort":
            for queued in [m for m in self.queued if m.get("id") == msg.get("id")]:
                self.queued.remove(queued)
                codec.write_frame(self.proto_out, {"id": queued["id"], "result": verdict.sandbox_failure("cancelled")})

    def _sweep_orphans(self, keep=None) -> None:
        """Kill whatever was re-parented to us (we are a subreaper): e.g. a setsid'd
        grandchild in a tier without seccomp. The zygote and judge are our own children."""
        if self.children is None:
            return
        keep = (self.zygote, self.judge) if keep is None else keep
        for _ in range(100):  # a killed orphan's own children come to us in turn
            pids = [pid for pid in map(int, os.pread(self.children, 1 << 16, 0).split()) if pid not in keep]
            if not pids:
                return
            for pid in pids:
                _kill_group(pid)
                _reap(pid)

    def close(self) -> None:
        """Leave nothing behind: the zygote (its candidates die with it), the judge, orphans."""
        for pid in (self.zygote, self.judge):
            _kill_group(pid)
        self._sweep_orphans(keep=())


def _needs_fate(state: dict) -> bool:
    """Whether the verdict depends on how the candidate ended (its wait status from the
    zygote). When it does not, the reply goes out without waiting for the reaping: the
    zygote empties the job dir and reaps before it forks the next candidate anyway."""
    if state["timed_out"] or state["aborted"] or state.get("judge_lost"):
        return True
    return any(isinstance(e, list) and len(e) > 2 and e[0] in ("case", "abort") and "lost" in e[1:3]
               for e in state["events"])


def _empty(path: str) -> None:
    """Remove what the last run left in the job dir, keeping the dir (its inode is in the ruleset)."""
    with os.scandir(path) as entries:
        for entry in entries:
            _remove(entry.path, entry.is_dir(follow_symlinks=False))


def _remove(path: str, is_dir: bool) -> None:
    # Not shutil.rmtree: shutil pulls in bz2 and lzma, and every module makes forks dearer.
    try:
        if not is_dir:
            os.unlink(path)
            return
        os.chmod(path, 0o700)  # a candidate may have locked it
        with os.scandir(path) as entries:
            for entry in entries:
                _remove(entry.path, entry.is_dir(follow_symlinks=False))
        os.rmdir(path)
    except OSError:
        pass


def _drain(fd: int, tail: bytearray, watching: list) -> None:
    """Read what is there (up to 1 MiB per wake-up) and keep the last TAIL_BYTES."""
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
    if config.get("cpu") is not None:  # the zygote, the judge and every candidate inherit it
        try:
            os.sched_setaffinity(0, {config["cpu"]})
        except OSError:
            pass  # a speed-up only: e.g. a cpuset changed since the pool looked
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    if config.get("ppid"):  # no PID namespace to vanish with: die with the pool instead
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != config["ppid"]:
            os._exit(0)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # no /proc/<worker>/mem for anyone
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for name in PRELOAD:
        __import__(name)
    sys.path.extend(config.get("site_paths", []))  # packages, without running .pth hooks
    import gc
    gc.freeze()  # forked children's collections skip what we loaded: fewer pages copied
    worker = Worker(config, proto_in, proto_out)
    try:
        worker.serve()
    finally:
        worker.close()


if __name__ == "__main__":
    main()
