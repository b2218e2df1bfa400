"""The CLI's user-error type, in its own module so that `python -m core.cli.main` (where main is
`__main__`) and the sub-commands share one class."""


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 2, never a traceback."""
