"""The compare stage's door: honest agreement, counts with intervals, the review sheet."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pipeline import catalogue
from pipeline.compare.core import PER_CODE_COLUMNS
from pipeline.compare.honest import NO_BASIS, density, honest_agreement, honest_basis
from pipeline.compare.prevalence import prevalence
from pipeline.compare.sheet import review_sheet, write_review_xlsx
from pipeline.evaluator_files.human_codes import CODING_COLUMNS, read_human_codes
from pipeline.evaluator_files.review import read_review
from pipeline.io import atomic_files, optional_path, read_stage_table, write_json
from pipeline.params import load_params

log = logging.getLogger(__name__)

NO_HUMAN = {"", "none", "null"}
# what this stage reads of the coding and embed stages' tables
TURN_CODE_NEEDS = catalogue.required("turn_codes", *CODING_COLUMNS)
TURN_SCORE_NEEDS = catalogue.required(
    "turn_scores", *CODING_COLUMNS, "score", "threshold", "machine"
)
SEGMENT_NEEDS = catalogue.required("segments", "interview_id", "turn_index", "text")


def _read_parquet(path: Path, what: str, columns: Sequence[str]) -> pd.DataFrame:
    return read_stage_table(path, what, columns, "the code and embed stages")


def _metrics(
    turn_scores: pd.DataFrame, turn_codes: pd.DataFrame, human: Any, review: Any, codes: list
) -> tuple[pd.DataFrame, dict[str, Any], Any]:
    """The per-code table, the metrics and the basis they were measured on."""
    basis = honest_basis(turn_scores, human, review)
    extra = {
        "reviewed_turns": 0 if review is None else len(review.turns),
        "evaluation_turns": 0 if review is None else len(review.evaluation),
        "density": density(turn_codes, turn_scores),
    }
    if basis is None:
        metrics = {
            "human_codes": False,
            "basis": NO_BASIS,
            "basis_description": "no human codes and no reviewed turn of the random "
            "evaluation share: the codes are unvalidated machine codes",
            **extra,
        }
        return pd.DataFrame(columns=list(PER_CODE_COLUMNS)), metrics, None
    per_code, summary = honest_agreement(turn_scores, basis, codes)
    return per_code, {"human_codes": True, **summary, **extra}, basis


def run_stage(
    auto_path: Path,
    turn_scores_path: Path,
    human_path: Path | None,
    codebook_path: Path,
    segments_path: Path,
    *,
    table_path: Path,
    metrics_path: Path,
    review_sheet_path: Path,
    prevalence_path: Path,
    review_path: Path | None = None,
    params_path: Path | None = None,
) -> dict[str, Any]:
    """Write the agreement table and metrics, the prevalence table and the review sheet.

    Returns:
        The metrics written (``human_codes`` false and ``basis`` ``none`` without a basis).
    """
    from pipeline.codebook import load_codebook

    params = load_params(params_path).review
    leaves = load_codebook(codebook_path).leaves()
    codes = [c.id for c in leaves]
    turn_codes = _read_parquet(auto_path, "automatic codes (turn_codes)", TURN_CODE_NEEDS)
    turn_scores = _read_parquet(turn_scores_path, "turn scores", TURN_SCORE_NEEDS)
    segments = _read_parquet(segments_path, "segments table", SEGMENT_NEEDS)
    human = read_human_codes(human_path) if human_path is not None else None
    review = read_review(review_path, set(codes)) if review_path is not None else None
    per_code, metrics, basis = _metrics(turn_scores, turn_codes, human, review, codes)
    reviewed = None if review is None else review.turns
    prev = prevalence(turn_scores, turn_codes, reviewed, basis, codes, params)
    sheet = review_sheet(turn_scores, turn_codes, segments, params, review)
    # the report asks a reader to review exactly these before relying on the counts
    metrics["proposed_turns"] = int(sheet["order"].notna().sum())
    targets = {
        "comparison": table_path,
        "coding_agreement": metrics_path,
        "review_sheet": review_sheet_path,
        "prevalence": prevalence_path,
    }
    with atomic_files(targets) as tmp:
        per_code.to_csv(tmp["comparison"], index=False, lineterminator="\n")
        write_json(tmp["coding_agreement"], metrics)
        write_review_xlsx(sheet, tmp["review_sheet"], [(c.id, c.label) for c in leaves])
        prev.to_parquet(tmp["prevalence"], index=False)
    if metrics["human_codes"]:
        log.info(
            "agreement on %s (%d turns): micro F1 %.3f, macro kappa %s",
            metrics["basis"],
            metrics["n_turns"],
            metrics["micro_f1"],
            "n/a" if metrics["macro_kappa"] is None else f"{metrics['macro_kappa']:.3f}",
        )
    else:
        log.info(
            "no agreement basis: counts unvalidated; review sheet proposes %d turns", params.batch
        )
    return metrics


def _path(value: str | Path | None) -> Path | None:
    text = None if value is None else str(value)
    return None if text is None or text.strip().lower() in NO_HUMAN else Path(text)


def main(
    auto: Path = typer.Option(..., help="per-turn codes after review (turn_codes.parquet)"),
    turn_scores: Path = typer.Option(..., help="every (turn, code) machine score (parquet)"),
    human: str = typer.Option(
        None, help="human codes (.jsonl, .csv or reviewed .xlsx); empty or 'none': no gold"
    ),
    review: str = typer.Option(None, help="filled-in review sheet (.xlsx); empty: none"),
    codebook: Path = typer.Option(..., help="codebook YAML (its leaf codes are compared)"),
    segments: Path = typer.Option(..., help="segments table (parquet), for the turns' text"),
    table: Path = typer.Option(..., help="per-code comparison table to write (CSV)"),
    metrics: Path = typer.Option(..., help="agreement metrics JSON"),
    review_sheet: Path = typer.Option(..., help="review sheet to write (.xlsx)"),
    prevalence: Path = typer.Option(..., help="counts with intervals to write (parquet)"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Measure honest agreement, estimate the counts and write the human review sheet."""
    run_stage(
        auto,
        turn_scores,
        _path(human),
        codebook,
        segments,
        table_path=table,
        metrics_path=metrics,
        review_sheet_path=review_sheet,
        prevalence_path=prevalence,
        review_path=_path(review),
        params_path=optional_path(params),
    )
