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
    from pipeline import (
        anonymise,
        coding,
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
        guarded(ingest.main)
    )
    app.command("anonymise", help="Replace identifiers with consistent pseudonyms.")(
        guarded(anonymise.main)
    )
    app.command("embed", help="Split respondent turns into segments and embed them.")(
        guarded(embed.main)
    )
    app.command("embed-codebook", help="Embed the codebook's material for the coders.")(
        guarded(embed_codebook.main)
    )
    app.command("code", help="Apply the codebook to the segments.")(guarded(coding.main))
    app.command("compare", help="Coding comparison with human codes; review sheet.")(
        guarded(compare.main)
    )
    app.command("topics", help="Emergent topics (BERTopic) set against the codebook.")(
        guarded(topics.main)
    )
    app.command("report", help="Evaluation tables and the commissioner report.")(
        guarded(report.main)
    )
    app.command("notebooks", help="Execute the notebooks and render them as HTML.")(
        guarded(notebooks.main)
    )
    app.command("verify", help="Leak gate: fail if a known identifier is under outputs/.")(
        guarded(verify.main)
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
