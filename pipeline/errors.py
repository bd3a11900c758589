"""Errors that reach the user as a clear message, never as a traceback."""

from __future__ import annotations


class QualevalError(Exception):
    """A problem with the user's input or configuration.

    The message names the file (and line or field where known) and says what to do.
    Command-line entry points print it and exit with status 2.
    """
