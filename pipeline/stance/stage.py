"""The stance stage's door: read the code stage's tables, write the stance tables and metrics."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from pipeline import catalogue
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.evaluator_files.stance_gold import read_stance_gold
from pipeline.io import atomic_files, optional_path, read_stage_table, write_json
from pipeline.params import StanceParams, load_params
from pipeline.stance.core import StanceModel, StanceResult, questions, stance_tables
from pipeline.stance.evaluation import score_against_gold

log = logging.getLogger(__name__)

_KEY = ["interview_id", "turn_index", "code_id"]
_TURN_NEEDS = catalogue.required("turns", "interview_id", "turn_index", "speaker_role", "text")


def _read_inputs(
    segments: Path,
    embeddings: Path,
    segment_codes: Path,
    turn_codes: Path,
    vectors: Path,
    turns: Path,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    segs = read_stage_table(
        segments, "segments table", catalogue.columns("segments"), "the embed stage"
    )
    if not Path(embeddings).is_file():
        raise QualevalError(
            f"{embeddings}: segment embeddings not found; run the embed stage first"
        )
    emb = np.load(embeddings, allow_pickle=False)
    if len(emb) != len(segs):
        raise QualevalError(
            f"{embeddings}: {len(emb)} rows for {len(segs)} segments in {segments}; re-run the "
            "embed stage so both come from one run"
        )
    sc = read_stage_table(segment_codes, "segment codes", ("segment_id", *_KEY), "the code stage")
    tc = read_stage_table(turn_codes, "turn codes", _KEY, "the code stage")
    vec = read_stage_table(
        vectors, "codebook vectors", ("code_id", "kind", "vector"), "the embed_codebook stage"
    )
    tt = read_stage_table(turns, "anonymised turns", _TURN_NEEDS, "the anonymise stage")
    return segs, emb, sc, tc, vec, questions(tt)


def _gold_metrics(
    model: StanceModel,
    result: StanceResult,
    gold: pd.DataFrame,
    evidence: tuple[pd.DataFrame, np.ndarray, dict],
) -> dict[str, Any]:
    """The method on the gold's own (turn, code) pairs, and on those the machine also coded."""
    on_gold = model.turn_stance(gold[_KEY], *evidence)
    out = score_against_gold(on_gold, gold)
    coded = gold.merge(result.turns[_KEY].astype({"interview_id": str, "code_id": str}), on=_KEY)
    out["coded_pairs"] = len(coded)
    out["accuracy_on_coded"] = (
        score_against_gold(result.turns, coded)["accuracy"] if len(coded) else None
    )
    return out


def stance_metrics(
    result: StanceResult, settings: StanceParams, gold: dict[str, Any] | None
) -> dict[str, Any]:
    """The metrics JSON: counts, and with a stance gold its accuracy and whether to report."""
    accuracy = gold["accuracy"] if gold else None
    return {
        **result.stats,
        "human_stance": gold is not None,
        "accuracy": accuracy,
        "macro_f1": gold["macro_f1"] if gold else None,
        "gold": gold,
        "min_accuracy": settings.min_accuracy,
        "reportable": accuracy is not None and accuracy >= settings.min_accuracy,
    }


def run_stage(
    params_path: Path | None,
    codebook_path: Path,
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    gold_path: Path | None = None,
) -> StanceResult:
    """Read the inputs, judge every coded segment's and turn's stance, write all or nothing.

    Args:
        params_path: ``params.yaml`` (None: defaults).
        codebook_path: the codebook.
        inputs: ``segments``, ``embeddings``, ``segment_codes``, ``turn_codes``, ``vectors``,
            ``turns`` (the anonymised turns: the interviewer's questions).
        outputs: ``stance``, ``stance_turns``, ``stance_interviews``, ``stance_metrics``.
        gold_path: a stance gold (``data.human_stance``) to measure accuracy on.
    """
    settings = load_params(params_path).stance
    book = load_codebook(codebook_path)
    segs, emb, sc, tc, vec, asked = _read_inputs(**inputs)
    model = StanceModel(book, vec, settings)
    result, scored, rel = stance_tables(model, segs, emb, sc, tc, asked)
    gold = None
    if gold_path is not None:
        table = read_stance_gold(gold_path, {c.id for c in book.leaves()})
        gold = _gold_metrics(model, result, table, (scored, rel, asked))
    metrics = stance_metrics(result, settings, gold)
    with atomic_files(outputs) as tmp:
        result.segments.to_parquet(tmp["stance"], index=False)
        result.turns.to_parquet(tmp["stance_turns"], index=False)
        result.interviews.to_parquet(tmp["stance_interviews"], index=False)
        write_json(tmp["stance_metrics"], metrics)
    log.info(
        "stance of %d coded turns: %s%s",
        len(result.turns),
        ", ".join(f"{k} {v}" for k, v in result.stats["turns_by_stance"].items()),
        f"; accuracy {metrics['accuracy']} on {gold['n']} gold pairs" if gold else "",
    )
    return result


def main(
    segments: Path = typer.Option(..., help="segments (parquet) from the embed stage"),
    embeddings: Path = typer.Option(..., help="segment embeddings (.npy)"),
    segment_codes: Path = typer.Option(..., help="segment codes (parquet) from the code stage"),
    turn_codes: Path = typer.Option(..., help="turn codes (parquet) from the code stage"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    codebook_vectors: Path = typer.Option(..., help="codebook vectors from embed_codebook"),
    turns: Path = typer.Option(..., help="anonymised turns (the interviewer's questions)"),
    human_stance: Path = typer.Option(
        None, help="human stance labels (JSONL) to measure accuracy on (optional)"
    ),
    stance: Path = typer.Option(..., help="segment stance table to write (parquet)"),
    stance_turns: Path = typer.Option(..., help="turn stance table to write (parquet)"),
    stance_interviews: Path = typer.Option(..., help="interview stance table (parquet)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Stance (positive, negative, mixed, neutral) of each coded segment towards its code."""
    run_stage(
        params,
        codebook,
        {
            "segments": segments,
            "embeddings": embeddings,
            "segment_codes": segment_codes,
            "turn_codes": turn_codes,
            "vectors": codebook_vectors,
            "turns": turns,
        },
        {
            "stance": stance,
            "stance_turns": stance_turns,
            "stance_interviews": stance_interviews,
            "stance_metrics": metrics,
        },
        optional_path(human_stance),
    )
