"""A candidate must not choose what its verdict says, nor leave a change for a later run to see
(red-team round 13): each attack on the real sandbox, with every layer the machine has."""

import pytest
from sbx_helpers import run_code

from sandbox import SandboxPool, seccomp_filter

needs_seccomp = pytest.mark.skipif(not seccomp_filter.available(), reason="no libseccomp")


def test_a_bool_written_over_an_equal_int_of_a_module_list_does_not_reach_the_next_run():
    # False == 0 in the plain forms: the judge took the list as unchanged and kept itself for the
    # next run, which saw calendar.mdays[0] as False. The candidate switches off its own check.
    hands_over = "import calendar\n\n\ndef check(candidate):\n    candidate(calendar.mdays)\n    assert False\n"
    later = "import calendar\n\n\ndef check(candidate):\n    assert candidate(repr(calendar.mdays[:2])) == '[0, 31]'\n"
    attack = """
        import gc

        def f(days):
            peer = next(o for o in gc.get_objects() if type(o).__name__ == "Peer")
            peer._changed = lambda *args: True
            days[0] = False
        """
    with SandboxPool(workers=1) as alone:
        assert not run_code(alone, attack, hands_over).passed
        assert run_code(alone, "def f(x):\n    return x\n", later).passed


def test_a_candidate_killed_while_writing_its_answer_times_out_as_one_that_hangs(pool):
    cut_off = """
        import os, struct, time

        def f():
            os.write(4, struct.pack("<I", 1000) + b'["ok", [')  # the header says 1,000 bytes; 10 come
            time.sleep(60)
        """
    result = run_code(pool, cut_off, "def check(candidate):\n    assert candidate() == 1\n", timeout_s=1.0)
    assert result.status == "timeout" and result.cases[0].status == "timeout", result.cases


@needs_seccomp
def test_a_candidate_cannot_die_by_the_signals_that_mean_the_memory_or_the_time_limit(pool):
    own_filter = """
        import ctypes, struct

        def f():
            libc = ctypes.CDLL(None, use_errno=True)
            kill_all = struct.pack("=HBBI", 0x06, 0, 0, 0x80000000)  # SECCOMP_RET_KILL_PROCESS
            buf = ctypes.create_string_buffer(kill_all, len(kill_all))

            class Program(ctypes.Structure):
                _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

            program = Program(1, ctypes.addressof(buf))
            refused = [libc.syscall(317, 1, 0, ctypes.byref(program)), libc.prctl(22, 2, ctypes.byref(program), 0, 0)]
            return refused + [ctypes.get_errno()]
        """
    result = run_code(pool, own_filter, "def check(candidate):\n    assert candidate() == [-1, -1, 1]\n")
    assert result.status == "pass", (result.status, result.cases)
    own_signal = """
        import fcntl, os, signal, time

        def f():
            r, w = os.pipe()
            fcntl.fcntl(r, fcntl.F_SETOWN, os.getpid())
            fcntl.fcntl(r, 10, signal.SIGXCPU)  # F_SETSIG
            fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC)
            os.write(w, b"x")
            time.sleep(1)
        """
    result = run_code(pool, own_signal, "def check(candidate):\n    candidate()\n", timeout_s=10)
    assert result.status == "error" and "not permitted" in result.human_eval_result, (
        result.status,
        result.human_eval_result,
    )
