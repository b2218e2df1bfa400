"""The base class of every error whose message is written for the user: front ends print it as
one sentence, while any other exception is a bug and keeps its traceback."""


class UserError(Exception):
    """Bad input or an unmet condition the user can act on; the message says what and how."""
