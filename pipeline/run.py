"""Run the whole pipeline without DVC: the same stage functions, explicit folders.

``out`` receives exactly the shareable files that ``outputs/`` receives under DVC;
``private`` (never inside ``out``) receives everything raw-derived.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline import (
    anonymise,
    coding,
    compare,
    embed,
    embed_codebook,
    ingest,
    report,
    topics,
    verify,
)
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.params import load_params

log = logging.getLogger(__name__)


def resolve_private(out: Path, private: Path | None) -> Path:
    """Default the private folder to ``<out>/../private``; refuse one inside ``out``.

    Raises:
        QualevalError: when ``private`` is ``out`` or lies inside it.
    """
    out = Path(out).resolve()
    priv = (out.parent / "private") if private is None else Path(private).resolve()
    if priv == out or out in priv.parents:
        raise QualevalError(
            f"--private {priv} lies inside --out {out}; raw-derived data must "
            "never sit with the shareable outputs: choose a folder outside it"
        )
    return priv


def run_all(
    transcripts: Path,
    metadata: Path,
    codebook: Path,
    out: Path,
    private: Path | None,
    params: Path | None,
) -> None:
    """Run every implemented stage in order."""
    priv = resolve_private(out, private)
    book = load_codebook(codebook)
    log.info("codebook %s: %d codes", Path(codebook).name, len(book.codes))
    out = Path(out)
    ingest.run_stage(
        params,
        Path(transcripts),
        Path(metadata),
        turns=priv / "turns.parquet",
        preamble=priv / "preamble.parquet",
        interviews=priv / "interviews.parquet",
        rejects=priv / "ingest_rejects.csv",
        metrics=out / "metrics" / "ingest.json",
    )
    data = load_params(params).data
    anonymise.run_stage(
        params,
        priv / "turns.parquet",
        priv / "interviews.parquet",
        register_path=data.register_file,
        decisions_path=data.review_decisions,
        allow_path=data.allow_list,
        gold_path=data.gold_pii,
        out_turns=out / "anonymised" / "turns.parquet",
        out_interviews=out / "anonymised" / "interviews.parquet",
        key_path=priv / "anonymisation_key.json",
        review_path=priv / "anonymisation_review.csv",
        mentions_path=priv / "anonymisation_mentions.parquet",
        metrics_path=out / "metrics" / "anonymise.json",
        gold_report=priv / "anonymisation_gold_leaks.csv",
    )
    embed.run_stage(
        params,
        out / "anonymised" / "turns.parquet",
        segments_path=out / "segments" / "segments.parquet",
        embeddings_path=out / "segments" / "embeddings.npy",
        dropped_path=out / "segments" / "dropped_turns.parquet",
        metrics_path=out / "metrics" / "embed.json",
    )
    embed_codebook.run_stage(
        params,
        codebook,
        vectors_path=out / "coding" / "codebook_vectors.parquet",
        metrics_path=out / "metrics" / "embed_codebook.json",
    )
    coding.run_stage(
        params,
        out / "segments" / "segments.parquet",
        out / "segments" / "embeddings.npy",
        codebook,
        human_path=data.human_codes,
        segment_codes_path=out / "coding" / "segment_codes.parquet",
        turn_codes_path=out / "coding" / "turn_codes.parquet",
        thresholds_path=out / "coding" / "thresholds.csv",
        metrics_path=out / "metrics" / "coding.json",
        codebook_vectors_path=out / "coding" / "codebook_vectors.parquet",
    )
    compare.run_stage(
        out / "coding" / "turn_codes.parquet",
        data.human_codes,
        codebook,
        out / "segments" / "segments.parquet",
        out / "coding" / "segment_codes.parquet",
        table_path=out / "coding" / "comparison.csv",
        metrics_path=out / "metrics" / "coding_agreement.json",
        review_sheet_path=out / "coding" / "review_sheet.xlsx",
    )
    topics.run_stage(
        params,
        segments_path=out / "segments" / "segments.parquet",
        embeddings_path=out / "segments" / "embeddings.npy",
        segment_codes_path=out / "coding" / "segment_codes.parquet",
        codebook_path=codebook,
        out_dir=out / "topics",
        metrics_path=out / "metrics" / "topics.json",
    )
    report.run_stage(
        params,
        report.read_inputs(
            out / "anonymised" / "interviews.parquet",
            out / "segments" / "segments.parquet",
            out / "coding" / "segment_codes.parquet",
            codebook,
            agreement_path=out / "metrics" / "coding_agreement.json",
            turns_path=out / "anonymised" / "turns.parquet",
            pseudonyms=load_params(params).anonymise.pseudonyms,
            topics_dir=out / "topics",
        ),
        tables_dir=out / "tables",
        report_md=out / "report.md",
        report_html=out / "report.html",
        report_docx=out / "report.docx",
        metrics_path=out / "metrics" / "report.json",
    )
    verify.run_stage(
        params,
        out,
        priv / "anonymisation_key.json",
        register_path=data.register_file,
        decisions_path=data.review_decisions,
        allow_path=data.allow_list,
        report=priv / "verify_report.csv",
        metrics=out / "metrics" / "verify.json",
    )
    log.info("shareable outputs in %s; raw-derived data in %s", out, priv)
