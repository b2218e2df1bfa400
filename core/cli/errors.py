"""The CLI's user errors: the UserError class (core.user_error), importable from the CLI package so
that `python -m core.cli.main` (where main is `__main__`) and the sub-commands share one class, and
the CLI's calls whose library errors are the user's to fix, turned into UserErrors at the call (a
file the user named that cannot be read, a sandbox this machine cannot start). Everything else
that goes wrong is a bug and keeps its traceback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.user_error import UnreadableFile, UserError, read_bytes

__all__ = ["UserError", "read_bytes", "read_text", "sandbox_pool"]

if TYPE_CHECKING:
    from sandbox import SandboxPool


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of the file the user gave as `what` (e.g. "tests file")."""
    data = read_bytes(path, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None


def sandbox_pool(workers: int | None = None, memory_mb: int = 1024) -> SandboxPool:
    """A started sandbox pool, or a UserError that says which isolation layer this machine lacks."""
    from sandbox import SandboxPool, SandboxUnavailable

    try:
        return SandboxPool(workers, memory_mb=memory_mb)
    except SandboxUnavailable as exc:
        raise UserError(str(exc)) from None
