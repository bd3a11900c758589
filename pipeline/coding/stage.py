"""The code stage's door: read the inputs, code the segments, write every output."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from pipeline.codebook import load_codebook
from pipeline.coding.coders import cached_encoder
from pipeline.coding.core import CodingResult, code_segments
from pipeline.coding.review import apply_review
from pipeline.encoder import EncodeFn
from pipeline.errors import QualevalError
from pipeline.evaluator_files.human_codes import read_human_codes
from pipeline.evaluator_files.review import Review, read_review
from pipeline.io import atomic_files, optional_path, write_json
from pipeline.lazy_imports import import_spacy_without_torch
from pipeline.nonanalytic import contact_pattern
from pipeline.params import Params, load_params

log = logging.getLogger(__name__)


def read_codes_for_calibration(path: Path) -> pd.DataFrame:
    """Human codes (see :func:`pipeline.evaluator_files.human_codes.read_human_codes`)."""
    coding, _ = read_human_codes(path)
    return coding


def calibration_codes(
    human: tuple[pd.DataFrame, pd.DataFrame] | None, review: Review | None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Codes and turns the coders calibrate on: human codes and review (review wins a turn)."""
    parts = [] if human is None else [human]
    if review is not None:
        if parts:
            done = set(zip(review.turns["interview_id"], review.turns["turn_index"]))
            coding, turns = parts[0]
            keep = [(iv, ti) not in done for iv, ti in zip(coding.interview_id, coding.turn_index)]
            parts = [(coding[keep], turns)]
        parts.append((review.codes, review.turns))
    if not parts:
        return None, None
    coding = pd.concat([c for c, _ in parts], ignore_index=True).drop_duplicates()
    turns = pd.concat([t for _, t in parts], ignore_index=True).drop_duplicates()
    return coding.sort_values(list(coding.columns)).reset_index(drop=True), turns


def _read_codebook_vectors(path: Path | None) -> pd.DataFrame | None:
    """The ``embed_codebook`` stage's table (``None`` without a path)."""
    if path is None:
        return None
    if not Path(path).is_file():
        raise QualevalError(
            f"{path}: not found; run the embed_codebook stage first (dvc repro embed_codebook)"
        )
    return pd.read_parquet(path, columns=["text", "vector"])


def _encoder(params: Params, codebook_vectors_path: Path | None) -> EncodeFn:
    """The codebook texts' encoder: cached vectors, the model only for a text not cached."""
    table = _read_codebook_vectors(codebook_vectors_path)

    def fallback(texts: Sequence[str]) -> np.ndarray:
        from pipeline.encoder import encode

        return encode(list(texts), params.embed.model, params.embed.batch_size)

    return cached_encoder(table, fallback)


def _write_outputs(result: CodingResult, paths: dict[str, Path]) -> None:
    """Write the segment codes, turn codes, thresholds and metrics (all or nothing)."""
    with atomic_files(paths) as t:
        result.segment_codes.to_parquet(t["segment_codes"], index=False)
        result.turn_codes.to_parquet(t["turn_codes"], index=False)
        result.thresholds.to_csv(t["thresholds"], index=False, lineterminator="\n")
        if "turn_scores" in t and result.turn_scores is not None:
            result.turn_scores.to_parquet(t["turn_scores"], index=False)
        write_json(t["coding_metrics"], result.stats)


def _read_segments(segments_path: Path, embeddings_path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The embed stage's segments and their embeddings, or a clear error."""
    for p in (segments_path, embeddings_path):
        if not Path(p).is_file():
            raise QualevalError(f"{p}: not found; run the embed stage first")
    return pd.read_parquet(segments_path), np.load(embeddings_path, allow_pickle=False)


def _read_questions(path: Path | None) -> np.ndarray | None:
    """The embed stage's question embeddings, or None (not given: no question term)."""
    if path is None:
        return None
    if not Path(path).is_file():
        raise QualevalError(f"{path}: not found; run the embed stage first (dvc repro embed)")
    return np.load(path, allow_pickle=False)


def run_stage(
    params_path: Path | None,
    segments_path: Path,
    embeddings_path: Path,
    codebook_path: Path,
    *,
    human_path: Path | None,
    segment_codes_path: Path,
    turn_codes_path: Path,
    thresholds_path: Path,
    metrics_path: Path,
    codebook_vectors_path: Path | None = None,
    review_path: Path | None = None,
    turn_scores_path: Path | None = None,
    questions_path: Path | None = None,
) -> CodingResult:
    """Read inputs, code the segments, write every output (all or nothing).

    With ``codebook_vectors_path`` (the ``embed_codebook`` stage's table) the codebook's
    material is not re-embedded, so the sentence-transformers model is not loaded. With
    ``review_path`` (a filled-in review sheet) the coders calibrate on the reviewed turns
    (and any human codes) and the reviewer's decisions replace the machine's codes there.
    """
    started = time.perf_counter()
    params = load_params(params_path)
    book = load_codebook(codebook_path)
    segments, embeddings = _read_segments(segments_path, embeddings_path)
    codes = [c.id for c in book.leaves()]
    human = read_human_codes(human_path) if human_path else None
    review = read_review(review_path, set(codes)) if review_path else None
    cal_codes, cal_turns = calibration_codes(human, review)
    encode = _encoder(params, codebook_vectors_path)
    result = code_segments(
        segments,
        embeddings,
        book,
        params.code,
        encode,
        cal_codes,
        params.embed.model,
        cal_turns,
        questions=_read_questions(questions_path),
        contacts=contact_pattern(params.anonymise.pseudonyms),
    )
    if review is not None:
        result = apply_review(result, segments, codes, review.codes, review.turns)
    stats = result.stats
    stats["stage_seconds"] = round(time.perf_counter() - started, 3)
    stats["stage_segments_per_second"] = round(len(segments) / max(stats["stage_seconds"], 1e-9), 1)
    paths = {
        "segment_codes": segment_codes_path,
        "turn_codes": turn_codes_path,
        "thresholds": thresholds_path,
        "coding_metrics": metrics_path,
        "turn_scores": turn_scores_path,
    }
    _write_outputs(result, {k: v for k, v in paths.items() if v is not None})
    _log_result(stats)
    return result


def _log_result(stats: dict[str, Any]) -> None:
    """One line of counts (never transcript text)."""
    log.info(
        "coded %d segments: %d segment codes, %d turn codes (%s) in %.1f s",
        stats["segments"],
        stats["segment_codes"],
        stats["turn_codes"],
        stats["calibration"],
        stats["seconds"],
    )


def main(
    segments: Path = typer.Option(..., help="segments (parquet) from the embed stage"),
    embeddings: Path = typer.Option(..., help="segment embeddings (.npy)"),
    questions: Path = typer.Option(
        None, help="the interviewer's question before each segment's turn, embedded (.npy)"
    ),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    human: Path = typer.Option(None, help="human codes to calibrate thresholds (optional)"),
    review: Path = typer.Option(
        None, help="filled-in review sheet: its decisions become the codes (optional)"
    ),
    codebook_vectors: Path = typer.Option(
        None, help="codebook material vectors (parquet) from the embed_codebook stage"
    ),
    segment_codes: Path = typer.Option(..., help="one row per (segment, code) (parquet)"),
    turn_codes: Path = typer.Option(..., help="per-turn roll-up (parquet)"),
    thresholds: Path = typer.Option(..., help="thresholds used per code (CSV)"),
    turn_scores: Path = typer.Option(
        None, help="every (turn, code) score, threshold and machine decision (parquet)"
    ),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Apply the codebook to the segments."""
    import_spacy_without_torch()  # the keyword coder needs no PyTorch layer (ADR 0048)

    run_stage(
        params,
        segments,
        embeddings,
        codebook,
        human_path=optional_path(human),
        review_path=optional_path(review),
        turn_scores_path=turn_scores,
        codebook_vectors_path=codebook_vectors,
        questions_path=questions,
        segment_codes_path=segment_codes,
        turn_codes_path=turn_codes,
        thresholds_path=thresholds,
        metrics_path=metrics,
    )
