"""The ``qualeval`` command line: one sub-command per stage, plus ``run`` for all of them."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipeline.entry import guarded, reported, setup_logging
from pipeline.errors import QualevalError

if TYPE_CHECKING:
    from pipeline.stages import Stage

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Reproducible, private, explainable qualitative evaluation.",
    pretty_exceptions_enable=False,
)
log = logging.getLogger(__name__)


def _with_params_files(stage: Stage, func: Callable[..., object]) -> Callable[..., object]:
    """Fill evaluator-file options left unset from ``params.yaml`` (``data:``), as dvc.yaml does."""

    @functools.wraps(func)
    def wrapper(**kwargs: object) -> object:
        from pipeline.io import params_file
        from pipeline.params import load_params

        unset = [
            (o, s) for o, s in stage.options if s.startswith("data.") and kwargs.get(o) is None
        ]
        if unset:
            data = load_params(params_file(kwargs.get("params"))).data  # type: ignore[arg-type]
            for opt, src in unset:
                kwargs[opt] = getattr(data, src.removeprefix("data."))
        return func(**kwargs)

    return wrapper


def _register() -> None:
    """One sub-command per stage of the stage table, each calling the stage's ``main``."""
    from pipeline.stages import STAGES

    for stage in STAGES:
        app.command(stage.command, help=stage.help)(
            guarded(_with_params_files(stage, stage.main()))
        )


@app.command("run")
def run(
    transcripts: Path = typer.Option(None, help="folder of transcripts (default: params.yaml)"),
    metadata: Path = typer.Option(None, help="metadata sheet (default: params.yaml)"),
    codebook: Path = typer.Option(None, help="codebook YAML (default: params.yaml)"),
    out: Path = typer.Option(None, help="folder for the shareable outputs (default: outputs)"),
    private: Path = typer.Option(
        None, help="folder for raw-derived data (default: 'private' beside --out)"
    ),
    params: Path = typer.Option(None, help="params file (default: ./params.yaml if present)"),
    register: Path = typer.Option(None, help="anonymisation register (overrides params.yaml)"),
    decisions: Path = typer.Option(None, help="review decisions (overrides params.yaml)"),
    allow_list: Path = typer.Option(None, help="allow-list (overrides params.yaml)"),
    human_codes: Path = typer.Option(None, help="human codes (overrides params.yaml)"),
    review: Path = typer.Option(None, help="filled-in review sheet (overrides params.yaml)"),
) -> None:
    """Run every stage without DVC (the same stages, options and files as `dvc repro`)."""
    from pipeline.run import RunFailed, resolve_inputs, run_all

    setup_logging()
    overrides = {
        "register_file": register,
        "review_decisions": decisions,
        "allow_list": allow_list,
        "human_codes": human_codes,
        "review": review,
    }
    try:
        run_all(resolve_inputs(params, transcripts, metadata, codebook, out, private, overrides))
    except RunFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.status) from None
    except QualevalError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("error: interrupted before any stage ran; nothing was written", err=True)
        raise typer.Exit(130) from None


@app.command("compare-coders")
@reported
def compare_coders(
    coder_a: Path = typer.Argument(..., help="coder A's codes (.jsonl, .csv or review .xlsx)"),
    coder_b: Path = typer.Argument(..., help="coder B's codes, same formats"),
    out: Path = typer.Option(..., help="per-code table to write (CSV; a .json summary beside)"),
    codebook: Path = typer.Option(None, help="codebook YAML: compare its codes, in its order"),
) -> None:
    """Human against human: per-code kappa, Krippendorff's alpha and F1 of two coders."""
    from pipeline.compare.coders import run_compare_coders

    summary = run_compare_coders(coder_a, coder_b, out, codebook)
    log.info(
        "%d turns, %d codes used: micro F1 %s, macro kappa %s, macro alpha %s; wrote %s",
        summary["turns"],
        summary["codes_used"],
        summary["micro_f1"],
        summary["macro_kappa"],
        summary["macro_alpha"],
        out,
    )


@app.command("import-qdpx")
@reported
def import_qdpx(
    project: Path = typer.Argument(..., help="REFI-QDA project (.qdpx) from NVivo, MAXQDA, ..."),
    out: Path = typer.Option(..., help="human codes to write (.jsonl, for data.human_codes)"),
    report: Path = typer.Option(None, help="what could not be mapped (CSV; default beside --out)"),
    turns: Path = typer.Option(
        Path("outputs/anonymised/turns.parquet"), help="anonymised turns (parquet)"
    ),
    raw_turns: Path = typer.Option(
        None, help="ingest's private turns, to map coding over the original transcripts"
    ),
    codebook: Path = typer.Option(None, help="codebook YAML (default: params.yaml)"),
    coder: str = typer.Option(
        None, help="keep only this coder's codings (user name in the project)"
    ),
    machine: bool = typer.Option(
        False, help="keep qualeval's own codings too (a round-trip check)"
    ),
    params: Path = typer.Option(None, help="params file (default: ./params.yaml if present)"),
) -> None:
    """Human coding from a REFI-QDA project, as human codes per turn (and a report of the rest)."""
    from pipeline.evaluator_files.qdpx import run_import

    run_import(
        project,
        {"out": out, "report": report},
        (turns, raw_turns),
        _codebook_path(codebook, params),
        coder=coder,
        machine=machine,
    )


@app.command("codebook-import")
@reported
def codebook_import(
    source: Path = typer.Argument(..., help="a .qdc, .qdpx, Word .docx table or Excel .xlsx"),
    out: Path = typer.Option(..., help="the codebook YAML to write"),
) -> None:
    """Turn a REFI-QDA, Word or Excel codebook into the validated codebook YAML."""
    from pipeline.evaluator_files.codebook_files import import_codebook

    import_codebook(source, out)


@app.command("codebook-export")
@reported
def codebook_export(
    out: Path = typer.Argument(..., help="the file to write: .qdc, .docx, .xlsx (or .yaml)"),
    codebook: Path = typer.Option(None, help="codebook YAML (default: params.yaml)"),
    params: Path = typer.Option(None, help="params file (default: ./params.yaml if present)"),
) -> None:
    """Write the codebook for NVivo/MAXQDA/ATLAS.ti (.qdc), as a Word appendix or Excel sheet."""
    from pipeline.evaluator_files.codebook_files import export_codebook

    export_codebook(_codebook_path(codebook, params), out)


def _codebook_path(codebook: Path | None, params: Path | None) -> Path:
    """``--codebook``, else ``codebook.path`` of the params file."""
    if codebook is not None:
        return codebook
    from pipeline.io import params_file
    from pipeline.params import load_params

    return Path(load_params(params_file(params)).codebook.path)


@app.command("init")
@reported
def init(
    folder: Path = typer.Argument(..., help="the new evaluation's folder"),
    force: bool = typer.Option(False, help="add only the missing files to a non-empty folder"),
) -> None:
    """Create an evaluation project: params, dvc.yaml, templates, notebooks, README."""
    from pipeline.project import init_project

    init_project(folder, force=force)
    log.info(
        "next: read %s, add transcripts, then run `qualeval run` there (or, with DVC, "
        "`git init && dvc init` once, then `dvc repro`)",
        folder / "README.md",
    )


_register()

if __name__ == "__main__":
    app()
