"""The base class of every error whose message is written for the user: front ends print it as
one sentence, while any other exception is a bug and keeps its traceback."""

from pathlib import Path


class UserError(Exception):
    """Bad input or an unmet condition the user can act on; the message says what and how."""


class MissingFile(UserError, FileNotFoundError):
    """A file the user named (or a run needs) is not there. Still a FileNotFoundError, so code
    that handles missing files in general keeps handling it."""


class UnreadableFile(UserError, OSError):
    """A file that is there but cannot be read as asked: no permission, a folder, not UTF-8."""


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of the file the user gave as `what`."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise MissingFile(f"{what} not found: {path}") from None
    except OSError as exc:  # a folder, no permission
        raise UnreadableFile(f"cannot read {what} {path}: {exc.strerror or exc}") from None
