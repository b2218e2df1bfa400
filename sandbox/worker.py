"""The worker: a single-threaded fork-server, started as a fresh interpreter by the pool
(inside bubblewrap when available). Requests arrive on stdin and replies leave on stdout
as length-prefixed JSON frames.

It keeps two long-lived children, both locked down: the zygote (sandbox/zygote.py), which
forks one candidate per run ahead of its job and reaps it, and the judge, which runs the
tests and calls the candidate over two pipes. The worker hands each job to the waiting
candidate itself, tells the zygote when to kill it, and gives every run a fresh job folder
(sandbox/jobfs.py) before the run's clock starts.
The worker alone assembles the verdict, from the judge's events, the candidate's wait
status as seen by the zygote, and what the kernel reports of the candidate's memory.
Nothing the candidate writes is parsed here.
"""

from __future__ import annotations

import base64
import marshal
import os
import select
import socket
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from sandbox import candidate, channel, frames, verdict
from sandbox.jobfs import JobDir, JobDirError
from sandbox.lockdown import Guard, cpu_limits, tasks_limit
from sandbox.requests import RunRequest, WorkerConfig
from sandbox.status import MEMORY_CLAIM
from sandbox.verdict import RunState, Verdict
from sandbox.zygote import FATE, KILL, SPARE, CandidateJob, kill_group, reap, zygote_loop

if TYPE_CHECKING:  # imported at run time only in the judge's fork (see _start_judge)
    from sandbox.judge import JudgeJob

TAIL_BYTES = 4096
JUDGE_GRACE_S = 1.0


class Worker:
    judge: int  # the judge's pid and socket, set by _start_judge (from __init__ on)
    jsock: socket.socket

    def __init__(self, config: WorkerConfig, proto_in: int, proto_out: int, may_mount: bool):
        self.proto_in, self.proto_out = proto_in, proto_out
        self.spare: tuple[int, socket.socket] | None = None
        self.queued: list[RunRequest] = []
        self.job = JobDir(config["job_root"], may_mount)
        bpf_b64 = config.get("bpf")
        bpf = base64.b64decode(bpf_b64) if bpf_b64 else None
        self.guard = Guard(
            config["landlock"], bpf, config["read_rules"], self.job.write_rule_path, tasks_limit(may_mount)
        )
        self.memory_mb = int(config.get("memory_mb", 1024))
        self.zygote, self.zsock = self._fork_child(lambda sock: zygote_loop(sock, self.guard), socket.SOCK_SEQPACKET)
        self._start_judge()
        self.children: int | None
        try:  # kept open: re-reading it costs 0.5 µs, opening it 11 µs (measured)
            self.children = os.open(f"/proc/self/task/{os.getpid()}/children", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.children = None  # no /proc: nothing to sweep with

    def _fork_child(
        self, body: Callable[[socket.socket], None], kind: socket.SocketKind = socket.SOCK_STREAM
    ) -> tuple[int, socket.socket]:
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

        def body(sock: socket.socket) -> None:
            null = os.open(os.devnull, os.O_WRONLY)
            # Tests may write files for the candidate (tempfile's, or under a relative name): the
            # judge writes in the run's folder as the candidate does, which is emptied before the
            # next run, and nowhere else.
            os.environ["TMPDIR"] = self.job.path
            sock_fd = self.guard.apply(
                writable=True,
                stdout_fd=null,
                stderr_fd=null,
                keep=[sock.detach()],
                cpu_s=None,
                memory_mb=self.memory_mb,
            )[0]
            judge.Server(socket.socket(fileno=sock_fd)).serve()

        self.judge, self.jsock = self._fork_child(body)

    def _restart_judge(self) -> None:
        kill_group(self.judge)
        reap(self.judge)
        self.jsock.close()
        self._start_judge()

    def serve(self) -> None:
        hello = dict(self.guard.layers, job_tmpfs=self.job.tmpfs)
        frames.write_frame(self.proto_out, {"hello": hello, "pid": os.getpid()})
        while True:
            msg = self.queued.pop(0) if self.queued else frames.read_frame(self.proto_in)
            if msg is None:
                return
            if msg.get("op") == "run":
                try:
                    result = self.run(msg)
                except JobDirError as exc:
                    # Not this run's fault, nor the next one's: the pool gives every run this
                    # worker holds to a new worker.
                    frames.write_frame(self.proto_out, {"retire": str(exc)})
                    return
                frames.write_frame(self.proto_out, {"id": msg["id"], "result": result})
            # an "abort" for a run already over: nothing to do

    def run(self, msg: RunRequest) -> Verdict:
        prog, timeout, run_id = msg["program"], float(msg["timeout_s"]), msg["id"]
        memory_mb = int(msg.get("memory_mb", self.memory_mb))
        pid, handoff = self._take_spare()
        # The last candidate is reaped (its fate came before this spare): whatever it left
        # running has been re-parented to us, and its files can go, before this run's clock.
        self._sweep_orphans()
        try:
            self.job.reset()
        except JobDirError:
            handoff.close()
            raise
        t0 = time.monotonic()
        deadline = t0 + timeout
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            bpf_b64 = msg.get("bpf")
            bpf = base64.b64decode(bpf_b64) if bpf_b64 else None
            cand_job: CandidateJob = {
                "program": candidate.precompiled(prog["prompt"] + prog["completion"]),
                "entry_point": prog["entry_point"],
                "job_dir": self.job.path,
                "cpu_s": timeout,
                "memory_mb": memory_mb,
                "bpf": bpf,
            }
            job = marshal.dumps(dict(cand_job))
            try:
                channel.send_bytes(handoff, job, [req_r, resp_w, out_w, err_w])
            except OSError:
                pass  # the spare died; the zygote reports how
            finally:
                handoff.close()
            judge_job: JudgeJob = {
                "op": "run",
                "id": run_id,
                "prompt": prog["prompt"],
                "tests": prog["tests"],
                "entry_point": prog["entry_point"],
                "job_dir": self.job.path,
            }
            try:
                channel.send_msg(self.jsock, judge_job, [req_w, resp_r])
            except OSError:  # the judge died since the last run: this run gets a fresh one
                self._restart_judge()
                channel.send_msg(self.jsock, judge_job, [req_w, resp_r])
        finally:
            for fd in (req_r, req_w, resp_r, resp_w, out_w, err_w):
                os.close(fd)
        try:
            state = self._collect(run_id, pid, out_r, err_r, deadline)
        finally:
            os.close(out_r)
            os.close(err_r)
        state["wall_ms"] = (time.monotonic() - t0) * 1000
        state["memory_kb"], state["cpu_limit_s"] = memory_mb << 10, cpu_limits(timeout)[1]
        return verdict.assemble(state)

    def _take_spare(self) -> tuple[int, socket.socket]:
        while self.spare is None:
            self._zygote_message(None)
        spare, self.spare = self.spare, None
        return spare

    def _zygote_message(self, state: RunState | None) -> None:
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
        pid, status, maxrss, cpu_ms = FATE.unpack(packet)
        if state is not None and pid == state["pid"]:
            state["cand"] = {
                "status": status,
                "maxrss": maxrss,
                "cpu_ms": cpu_ms,
                "reason": "deadline" if state["deadline_kill"] else "",
            }

    def _kill(self, state: RunState, at_deadline: bool = False) -> None:
        if not state["killed"]:
            state["killed"], state["deadline_kill"] = True, at_deadline
            self.zsock.send(KILL.pack(state["pid"]))

    def _collect(self, run_id: int, pid: int, out_r: int, err_r: int, deadline: float) -> RunState:
        tails = {out_r: bytearray(), err_r: bytearray()}
        state: RunState = {
            "events": [],
            "timed_out": False,
            "aborted": False,
            "judge_done": False,
            "cand": None,
            "pid": pid,
            "killed": False,
            "deadline_kill": False,
            "vm_peak_kb": 0,
        }
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
            watching: list[socket.socket | int] = [self.jsock, self.zsock, self.proto_in, *open_tails]
            for ready in select.select(watching, [], [], until - now)[0]:
                if ready in tails:
                    _drain(ready, tails[ready], open_tails)
                elif ready is self.jsock:
                    self._judge_event(run_id, state)
                elif ready is self.zsock:
                    self._zygote_message(state)
                elif ready == self.proto_in:
                    self._pool_message(run_id, state)
        for fd in tails:
            _drain(fd, tails[fd], [])
        state["stdout_tail"] = tails[out_r].decode("utf-8", "replace")
        state["stderr_tail"] = tails[err_r].decode("utf-8", "replace")
        return state

    def _judge_event(self, run_id: int, state: RunState) -> None:
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
        if any(isinstance(e, list) and MEMORY_CLAIM in e[2:3] for e in events) and not state["killed"]:
            # The candidate says it ran out of memory; the kernel's high-water mark of its address
            # space says whether that can be so. Read before the kill: a dead process has none.
            state["vm_peak_kb"] = max(state["vm_peak_kb"], vm_peak_kb(state["pid"]))
        if any(isinstance(e, list) and e and e[0] in ("done", "bad_tests") for e in events):
            state["judge_done"] = True
            self._kill(state)  # the candidate is no longer needed
            if any(isinstance(e, list) and e == ["wrote_back"] for e in state["events"]):
                # The candidate changed values of the tests' in place, which may outlive the run in
                # the judge (a module's list): the next run gets a judge that never saw them.
                self._restart_judge()

    def _pool_message(self, run_id: int, state: RunState) -> None:
        msg = frames.read_frame(self.proto_in)
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
                frames.write_frame(self.proto_out, {"id": queued["id"], "result": verdict.sandbox_failure("cancelled")})

    def _sweep_orphans(self, keep: Collection[int] | None = None) -> None:
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
                kill_group(pid)
                reap(pid)

    def close(self) -> None:
        """Leave nothing behind: the zygote (its candidates die with it), the judge, orphans."""
        for pid in (self.zygote, self.judge):
            kill_group(pid)
        self._sweep_orphans(keep=())


def _needs_fate(state: RunState) -> bool:
    """Whether the verdict depends on how the candidate ended (its wait status from the
    zygote). When it does not, the reply goes out without waiting for the reaping: the
    zygote reaps it before it forks the next candidate anyway."""
    if state["timed_out"] or state["aborted"] or state.get("judge_lost"):
        return True
    return any(
        isinstance(e, list) and len(e) > 2 and e[0] in ("case", "abort") and "lost" in e[1:3] for e in state["events"]
    )


def vm_peak_kb(pid: int) -> int:
    """The peak size of the process's address space, kept by the kernel (the process cannot
    lower it); 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _drain(fd: int, tail: bytearray, watching: list[int]) -> None:
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
