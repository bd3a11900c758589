"""The one door every stage's command goes through: logging set-up and error reporting.

Each stage module ends with ``run_typer(main)``; the ``qualeval`` command wraps the same
``main`` functions with :func:`guarded`. A :class:`~pipeline.errors.QualevalError` reaches
the user as one ``error:`` line and exit status 2, never as a traceback.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable

import typer

from pipeline.errors import QualevalError


class _StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is now (it is swapped by test runners and notebooks)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr; transcript text is never logged, only counts, files and reasons."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )


def run_typer(func: Callable[..., object]) -> None:
    """Run a stage's ``main`` as a stand-alone typer command with clean error reporting."""
    cmd = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    cmd.command()(guarded(func))
    cmd()


def reported(func: Callable[..., object]) -> Callable[..., object]:
    """Wrap a utility command: logging set up, our errors as one ``error:`` line, exit 2."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        setup_logging()
        try:
            return func(*args, **kwargs)
        except QualevalError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def guarded(func: Callable[..., object]) -> Callable[..., object]:
    """Wrap a stage's ``main`` so that logging is set up and our errors exit cleanly."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        setup_logging()
        if "params" in kwargs:  # one params story: ./params.yaml unless --params says otherwise
            from pipeline.io import params_file

            kwargs["params"] = params_file(kwargs["params"])  # type: ignore[arg-type]
        from pipeline.privacy import protect_private

        try:
            protect_private(kwargs, func.__module__, create=True)
            result = func(*args, **kwargs)
            protect_private(kwargs, func.__module__)
            return result
        except QualevalError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper
