"""The topics stage's door: read the inputs, fit, write every output (all or nothing)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from pipeline.errors import QualevalError
from pipeline.forked import forkserver_workers
from pipeline.io import atomic_files, write_json
from pipeline.lazy_imports import defer_iri_grammar, defer_unused_bertopic
from pipeline.nonanalytic import contact_pattern
from pipeline.params import load_params
from pipeline.text import placeholder_pattern
from pipeline.topics.candidates import candidates_yaml
from pipeline.topics.core import TopicsResult, fit_topics
from pipeline.topics.render import visualisations

log = logging.getLogger(__name__)
PRELOAD = "pipeline.topics.preload"  # what the fork server imports (ADR 0048)


def read_inputs(
    segments_path: Path, embeddings_path: Path, codes_path: Path
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The segments, their embeddings and the segment codes, checked (clear errors)."""
    for path, hint in (
        (segments_path, "run the embed stage first"),
        (embeddings_path, "run the embed stage first"),
        (codes_path, "run the code stage first"),
    ):
        if not Path(path).is_file():
            raise QualevalError(f"{path}: not found; {hint}")
    segments = pd.read_parquet(segments_path)
    missing = {"segment_id", "interview_id", "turn_index", "text"} - set(segments.columns)
    if missing:
        raise QualevalError(
            f"{segments_path}: missing column(s) {sorted(missing)}; re-run the embed stage"
        )
    try:
        embeddings = np.load(embeddings_path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise QualevalError(
            f"{embeddings_path}: not a numpy array ({exc}); re-run the embed stage"
        ) from None
    if embeddings.ndim != 2 or len(embeddings) != len(segments):
        raise QualevalError(
            f"{embeddings_path}: shape {embeddings.shape} does not match {len(segments)} "
            f"segments in {segments_path}; re-run the embed stage"
        )
    codes = pd.read_parquet(codes_path)
    missing = {"segment_id", "code_id"} - set(codes.columns)
    if missing:
        raise QualevalError(
            f"{codes_path}: missing column(s) {sorted(missing)}; re-run the code stage"
        )
    return segments, embeddings, codes


# the files this stage writes under its ``--out`` folder (the metrics JSON goes to ``--metrics``)
OUTPUT_FILES = {
    "topics": "topics.parquet",
    "topics_csv": "topics.csv",
    "segment_topics": "segment_topics.parquet",
    "quotes": "topic_quotes.parquet",
    "topic_codes": "topic_codes.csv",
    "emergent": "emergent_topics.csv",
    "dropped": "dropped_segments.parquet",
    "candidates": "candidate_codes.yaml",
    "map": "topics_map.html",
    "barchart": "topics_barchart.html",
    "hierarchy": "topics_hierarchy.html",
}
CHARTS = ("map", "barchart", "hierarchy")


def run_stage(
    params_path: Path | None,
    *,
    segments_path: Path,
    embeddings_path: Path,
    segment_codes_path: Path,
    codebook_path: Path,
    out_dir: Path,
    metrics_path: Path,
    codebook_vectors_path: Path | None = None,
) -> TopicsResult:
    """Read the inputs, fit the topics, write every output under ``out_dir`` (all or nothing)."""
    defer_iri_grammar()  # plotly's nbformat: no IRI is validated here (ADR 0044)
    defer_unused_bertopic()  # its multimodal backend alone imports torch (ADR 0048)
    all_params = load_params(params_path)
    params = all_params.topics
    segments, embeddings, codes = read_inputs(segments_path, embeddings_path, segment_codes_path)
    code_labels = _code_labels(codebook_path)
    encoder = None
    if params.mmr_diversity > 0 and len(segments):
        from pipeline.topics.model import cached_embedder

        embed = all_params.embed
        encoder = cached_embedder(embed.model, embed.backend, embed.cache_dir)
    result = fit_topics(
        segments,
        embeddings,
        codes,
        params,
        code_labels=code_labels,
        encoder=encoder,
        placeholders=placeholder_pattern(all_params.anonymise.pseudonyms),
        codebook_vectors=read_codebook_vectors(codebook_vectors_path),
        contacts=contact_pattern(all_params.anonymise.pseudonyms),
    )
    write_outputs(result, visualisations(result), Path(out_dir), metrics_path)
    _log_summary(result.metrics)
    return result


def read_codebook_vectors(path: Path | None) -> pd.DataFrame | None:
    """The codebook vectors table (``kind``, ``vector``), or None when no path is given."""
    if path is None:
        return None
    if not Path(path).is_file():
        raise QualevalError(f"{path}: not found; run the embed_codebook stage first")
    table = pd.read_parquet(path)
    missing = {"kind", "vector"} - set(table.columns)
    if missing:
        raise QualevalError(
            f"{path}: missing column(s) {sorted(missing)}; re-run the embed_codebook stage"
        )
    return table


def _code_labels(codebook_path: Path) -> dict[str, str]:
    """Code id -> label, from the codebook."""
    from pipeline.codebook import load_codebook

    book = load_codebook(codebook_path)
    return {c.id: c.label for c in book.codes}


def write_outputs(
    result: TopicsResult, pages: dict[str, str], out_dir: Path, metrics_path: Path
) -> None:
    """Write the tables, the chart pages and the metrics JSON (all or nothing)."""
    targets = {k: out_dir / name for k, name in OUTPUT_FILES.items()}
    with atomic_files({**targets, "topics_metrics": Path(metrics_path)}) as path:
        result.topics.to_parquet(path["topics"], index=False)
        result.topics.to_csv(path["topics_csv"], index=False, lineterminator="\n")
        result.segment_topics.to_parquet(path["segment_topics"], index=False)
        result.quotes.to_parquet(path["quotes"], index=False)
        result.topic_codes.to_csv(path["topic_codes"], index=False, lineterminator="\n")
        result.emergent.to_csv(path["emergent"], index=False, lineterminator="\n")
        result.dropped.to_parquet(path["dropped"], index=False)
        path["candidates"].write_text(candidates_yaml(result.candidates), encoding="utf-8")
        for key in CHARTS:
            path[key].write_text(pages[key], encoding="utf-8")
        write_json(path["topics_metrics"], result.metrics)


def _log_summary(m: dict) -> None:
    log.info(
        "%d topics over %d segments (%s); outliers %.1f%% -> %.1f%%; %d emergent; "
        "NPMI %s, diversity %s, stability ARI %s; fit %.1f s",
        m["n_topics"],
        m["n_segments"],
        m["method"],
        100 * m["outlier_share_before"],
        100 * m["outlier_share_after"],
        m["n_emergent"],
        m["npmi"],
        m["diversity"],
        m["stability_ari"],
        m["fit_seconds"],
    )


def main(
    segments: Path = typer.Option(..., help="segments table (parquet, from the embed stage)"),
    embeddings: Path = typer.Option(..., help="segment embeddings (.npy, same row order)"),
    segment_codes: Path = typer.Option(..., help="applied codes per segment (parquet)"),
    codebook: Path = typer.Option(..., help="codebook YAML (code labels for the reasons)"),
    codebook_vectors: Path = typer.Option(
        None, help="codebook vectors (parquet): the uncoded examples that tell small talk"
    ),
    out: Path = typer.Option(..., help="folder for the topic tables and charts"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Find emergent topics with BERTopic and set them against the codebook."""
    # this process's OpenMP pool makes a fork of it unsafe: fork workers from a server
    with forkserver_workers([PRELOAD]):
        run_stage(
            params,
            segments_path=segments,
            embeddings_path=embeddings,
            segment_codes_path=segment_codes,
            codebook_path=codebook,
            out_dir=out,
            metrics_path=metrics,
            codebook_vectors_path=codebook_vectors,
        )
