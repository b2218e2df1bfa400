"""The CLI's user-error type (core.user_error.UserError), importable from the CLI package so that
`python -m core.cli.main` (where main is `__main__`) and the sub-commands share one class."""
from core.user_error import UserError

__all__ = ["UserError"]
