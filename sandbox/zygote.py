"""The zygote: forked by the worker at start-up, before the worker has seen any job, it keeps
one candidate forked and half locked down ahead of its job (so no run waits for a fork)
and reaps it. Candidates therefore inherit no test source and no expected values, not
even from earlier runs, to read out of memory.

The zygote shares every page with its spare candidate, so each page it writes after a fork
is copied: it only forks and reaps, and speaks in fixed-size packets (SOCK_SEQPACKET).
The worker, which never forks after start-up, hands the job over and decides when to kill.
"""

from __future__ import annotations

import marshal
import os
import resource
import select
import signal
import socket
import struct
from array import array
from types import CodeType
from typing import TypedDict

from sandbox import candidate, channel
from sandbox.lockdown import Guard

SPARE = struct.Struct("<i")  # zygote -> worker: a spare's pid; its handoff socket rides along
FATE = struct.Struct("<iiqq")  # zygote -> worker: pid, wait status, peak RSS in KiB, CPU time in ms
KILL = struct.Struct("<i")  # worker -> zygote: kill this candidate's process group


class CandidateJob(TypedDict):
    """One run, as the worker hands it to the waiting candidate (marshalled, with its four pipes)."""

    program: CodeType | str  # compiled by the worker, or the source when the candidate must compile it
    entry_point: str
    job_dir: str
    cpu_s: float
    memory_mb: int
    bpf: bytes | None  # this run's own seccomp program, when its memory limit is not the worker's


def kill_group(pid: int) -> None:
    for target in (os.killpg, os.kill):
        try:
            target(pid, signal.SIGKILL)
        except OSError:
            pass


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def zygote_loop(sock: socket.socket, guard: Guard) -> None:
    """Keeps one candidate forked and half locked down ahead of its job, so a run does not
    wait for a fork; reports how it ended."""
    guard.drop_capabilities()
    while True:
        pid, handoff = _prefork(sock, guard)
        sock.sendmsg([SPARE.pack(pid)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array("i", [handoff.fileno()]))])
        handoff.close()
        status, rusage = _wait(pid, sock)
        cpu_ms = int((rusage.ru_utime + rusage.ru_stime) * 1000)
        sock.send(FATE.pack(pid, status, rusage.ru_maxrss, cpu_ms))


def _prefork(sock: socket.socket, guard: Guard) -> tuple[int, socket.socket]:
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
        job: CandidateJob = marshal.loads(data)  # from the worker, which this process trusts until the job runs
        handoff.detach()  # closed with every other stray fd by seal()
        req_r, resp_w, out_w, err_w = fds
        req, resp = guard.seal(
            stdout_fd=out_w,
            stderr_fd=err_w,
            keep=[req_r, resp_w],
            cpu_s=job["cpu_s"],
            memory_mb=job["memory_mb"],
            bpf=job["bpf"],
        )
        os.chdir(job["job_dir"])
    except BaseException as exc:  # noqa: BLE001
        os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
        os._exit(71)
    candidate.main_in_child(job["program"], job["entry_point"], req, resp)


def _wait(pid: int, sock: socket.socket) -> tuple[int, resource.struct_rusage]:
    """Reap the candidate; kill its group first when the worker asks (or is gone)."""
    pidfd = os.pidfd_open(pid)
    try:
        while pidfd not in select.select([pidfd, sock.fileno()], [], [])[0]:
            packet = sock.recv(KILL.size)
            if not packet:  # the worker is gone
                kill_group(pid)
                os._exit(0)
            if KILL.unpack(packet)[0] == pid:  # not a late kill for an earlier run
                kill_group(pid)
    finally:
        os.close(pidfd)
    _, status, rusage = os.wait4(pid, 0)
    return status, rusage
