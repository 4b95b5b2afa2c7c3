"""The one exception family for bad user input: the command line prints its message as one line, exit status 2."""


class InputError(ValueError):
    """Unusable input (a file, a key, a column, an argument); ``str(error)`` names where and what."""
