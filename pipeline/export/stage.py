"""The export stage's door: read the anonymised tables and the codes, write the ``.qdpx``."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import typer

from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.export.core import CODE_NEEDS, TURN_NEEDS, build_project, write_qdpx
from pipeline.io import atomic_files, read_stage_table, write_json

log = logging.getLogger(__name__)


def run_stage(
    codebook_path: Path,
    inputs: dict[str, Path],
    outputs: dict[str, Path],
) -> dict[str, int]:
    """Build the project and write it with its metrics, all or nothing.

    Args:
        codebook_path: the codebook.
        inputs: ``turns``, ``interviews`` (anonymised), ``segment_codes``.
        outputs: ``qdpx``, ``metrics``.
    """
    t0 = time.perf_counter()
    book = load_codebook(codebook_path)
    turns = read_stage_table(inputs["turns"], "anonymised turns", TURN_NEEDS, "the anonymise stage")
    interviews = read_stage_table(
        inputs["interviews"], "anonymised interviews", ("interview_id",), "the anonymise stage"
    )
    codes = read_stage_table(inputs["segment_codes"], "segment codes", CODE_NEEDS, "the code stage")
    if turns.empty:
        raise QualevalError(f"{inputs['turns']}: no turns to export; check the ingest stage")
    project = build_project(book, turns, interviews.astype({"interview_id": str}), codes)
    with atomic_files(outputs) as tmp:
        write_qdpx(project, tmp["qdpx"])
        write_json(tmp["metrics"], {**project.stats, "schema_valid": True})
    log.info(
        "REFI-QDA project: %d sources, %d codes, %d codings in %.1f s -> %s",
        project.stats["sources"],
        project.stats["codes"],
        project.stats["codings"],
        time.perf_counter() - t0,
        outputs["qdpx"],
    )
    return project.stats


def main(
    turns: Path = typer.Option(..., help="anonymised turns (parquet)"),
    interviews: Path = typer.Option(..., help="anonymised interviews (parquet)"),
    segment_codes: Path = typer.Option(..., help="segment codes (parquet) from the code stage"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    qdpx: Path = typer.Option(..., help="REFI-QDA project to write (.qdpx)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
) -> None:
    """Write the coded, anonymised transcripts as a REFI-QDA project for NVivo, MAXQDA, ATLAS.ti."""
    run_stage(
        codebook,
        {"turns": turns, "interviews": interviews, "segment_codes": segment_codes},
        {"qdpx": qdpx, "metrics": metrics},
    )
