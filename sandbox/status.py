"""Run and test-case statuses (a tiny module: the worker imports it before forking)."""

PASS, FAIL, ERROR, TIMEOUT = "pass", "fail", "error", "timeout"
MEMORY_LIMIT, CRASH, SANDBOX_ERROR = "memory_limit", "crash", "sandbox_error"
STATUSES = (PASS, FAIL, ERROR, TIMEOUT, MEMORY_LIMIT, CRASH, SANDBOX_ERROR)
# Internal, never in a result: resolved by the worker from what it observed. LOST: the candidate
# process vanished mid-call (its wait status says why); MEMORY_CLAIM: it reported a MemoryError.
LOST, MEMORY_CLAIM = "lost", "memory_claim"
