"""The validate stage's door: remove the previous verdict, check every input, fail loud.

``dvc repro`` runs it first, every time (``always_changed``), and the stages with no other
input depend on its metrics file, so nothing is written before the inputs are checked.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from pipeline import catalogue
from pipeline.io import atomic_files, optional_path, write_json
from pipeline.validate.core import check_inputs
from pipeline.validate.problems import RunSpec

log = logging.getLogger(__name__)

#: the evaluator files the stage table passes (``data.<field>``), in option order
FILE_OPTIONS = (
    ("register", "register_file"),
    ("decisions", "review_decisions"),
    ("allow_list", "allow_list"),
    ("human_codes", "human_codes"),
    ("review", "review"),
    ("gold", "gold_pii"),
    ("human_stance", "human_stance"),
)


def remove_verdict(outputs: Path, private: Path) -> None:
    """Remove the leak gate's verdict, so it can only ever describe the files beside it."""
    verdict = catalogue.artefact("verify_metrics").path(outputs, private)
    if verdict.is_file():
        verdict.unlink()
        log.info("removed the previous leak-gate verdict (%s); the gate writes it again", verdict)


def run_stage(spec: RunSpec, metrics: Path) -> None:
    """Check the inputs of ``spec`` and write ``metrics``; the verdict goes first.

    Raises:
        QualevalError: listing every problem found, grouped by file.
    """
    remove_verdict(spec.outputs, spec.private)
    problems = check_inputs(spec)
    problems.raise_if_any()
    with atomic_files({"validate_metrics": metrics}) as tmp:
        write_json(tmp["validate_metrics"], {"passed": True, "problems": 0})


def main(
    transcripts: Path = typer.Option(..., help="folder of transcripts"),
    metadata: Path = typer.Option(..., help="metadata sheet (.csv or .xlsx)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    outputs: Path = typer.Option(Path("outputs"), help="the shareable folder"),
    private_folder: Path = typer.Option(
        Path("private"), help="the private folder (checked, never created here)"
    ),
    register: Path = typer.Option(None, help="anonymisation register (YAML)"),
    decisions: Path = typer.Option(None, help="review decisions (CSV)"),
    allow_list: Path = typer.Option(None, help="allow-list (text)"),
    human_codes: Path = typer.Option(None, help="human codes"),
    review: Path = typer.Option(None, help="filled-in review sheet"),
    gold: Path = typer.Option(None, help="sample PII gold (JSONL)"),
    human_stance: Path = typer.Option(None, help="human stance labels (JSONL)"),
    metrics: Path = typer.Option(..., help="output: the check's verdict (JSON)"),
    params: Path = typer.Option(None, help="params.yaml (default: ./params.yaml if present)"),
) -> None:
    """Check every input before any stage writes; remove the previous leak-gate verdict."""
    given = locals()
    files = tuple((field, optional_path(given[opt])) for opt, field in FILE_OPTIONS)
    spec = RunSpec(params, transcripts, metadata, codebook, outputs, private_folder, files)
    run_stage(spec, metrics)
