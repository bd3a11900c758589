"""The ``qualeval`` command line: one sub-command per stage, plus ``run`` for all of them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from pipeline.errors import QualevalError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Reproducible, private, explainable qualitative evaluation.",
    pretty_exceptions_enable=False,
)
log = logging.getLogger(__name__)


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
    cmd.command()(_guarded(func))
    cmd()


def _guarded(func: Callable[..., object]) -> Callable[..., object]:
    import functools

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        setup_logging()
        try:
            return func(*args, **kwargs)
        except QualevalError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _register() -> None:
    from pipeline import (
        anonymise,
        code,
        compare,
        embed,
        embed_codebook,
        ingest,
        notebooks,
        report,
        topics,
        verify,
    )

    app.command("ingest", help="Parse transcripts and metadata into the turns table.")(
        _guarded(ingest.main)
    )
    app.command("anonymise", help="Replace identifiers with consistent pseudonyms.")(
        _guarded(anonymise.main)
    )
    app.command("embed", help="Split respondent turns into segments and embed them.")(
        _guarded(embed.main)
    )
    app.command("embed-codebook", help="Embed the codebook's material for the coders.")(
        _guarded(embed_codebook.main)
    )
    app.command("code", help="Apply the codebook to the segments.")(_guarded(code.main))
    app.command("compare", help="Coding comparison with human codes; review sheet.")(
        _guarded(compare.main)
    )
    app.command("topics", help="Emergent topics (BERTopic) set against the codebook.")(
        _guarded(topics.main)
    )
    app.command("report", help="Evaluation tables and the commissioner report.")(
        _guarded(report.main)
    )
    app.command("notebooks", help="Execute the notebooks and render them as HTML.")(
        _guarded(notebooks.main)
    )
    app.command("verify", help="Leak gate: fail if a known identifier is under outputs/.")(
        _guarded(verify.main)
    )


@app.command("run")
def run(
    transcripts: Path = typer.Option(..., help="folder of transcripts"),
    metadata: Path = typer.Option(..., help="metadata sheet (.csv or .xlsx)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    out: Path = typer.Option(..., help="folder for the shareable outputs"),
    private: Path = typer.Option(
        None, help="folder for raw-derived data (default: 'private' beside --out)"
    ),
    params: Path = typer.Option(None, help="params.yaml (default: built-in defaults)"),
) -> None:
    """Run every implemented stage without DVC (same functions as the DVC stages)."""
    from pipeline.run import run_all

    setup_logging()
    try:
        run_all(transcripts, metadata, codebook, out, private, params)
    except QualevalError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


_register()

if __name__ == "__main__":
    app()
