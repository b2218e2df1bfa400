"""Run and test-case statuses (a tiny module: the worker imports it before forking)."""
PASS, FAIL, ERROR, TIMEOUT = "pass", "fail", "error", "timeout"
MEMORY_LIMIT, CRASH, SANDBOX_ERROR = "memory_limit", "crash", "sandbox_error"
STATUSES = (PASS, FAIL, ERROR, TIMEOUT, MEMORY_LIMIT, CRASH, SANDBOX_ERROR)
