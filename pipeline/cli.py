"""The ``qualeval`` command line: one sub-command per stage, plus ``run`` for all of them."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from pipeline.entry import guarded, setup_logging
from pipeline.errors import QualevalError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Reproducible, private, explainable qualitative evaluation.",
    pretty_exceptions_enable=False,
)
log = logging.getLogger(__name__)


def _register() -> None:
    """One sub-command per stage of the stage table, each calling the stage's ``main``."""
    from pipeline.stages import STAGES

    for stage in STAGES:
        app.command(stage.command, help=stage.help)(guarded(stage.main()))


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
    """Run every stage without DVC (the same stages, options and files as `dvc repro`)."""
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
