"""Helpers shared by the sandbox tests."""

from sandbox import Program


def program(code: str, tests: str, entry_point: str = "f", prompt: str = "") -> Program:
    return Program(prompt, code, tests, entry_point)
