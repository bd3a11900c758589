"""The pure core of the topics stage: DataFrames and arrays in, tables out (no file I/O)."""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pipeline.encoder import Encoder
from pipeline.errors import QualevalError
from pipeline.params import TopicsParams
from pipeline.topics.candidates import candidate_codes
from pipeline.topics.clustering import centroid_similarity
from pipeline.topics.filtering import (
    drop_reasons,
    dropped_table,
    small_talk_topics,
    uncoded_lead,
)
from pipeline.topics.fine import carve, with_fine_themes
from pipeline.topics.fit import Assignment, assign_topics
from pipeline.topics.labels import phrase_labels, supported_words, topic_keywords
from pipeline.topics.quality import npmi_coherence, topic_diversity
from pipeline.topics.quotes import representative_quotes
from pipeline.topics.selection import select_segments
from pipeline.topics.stability import seed_runs, stability_ari
from pipeline.topics.tables import (
    emergent_table,
    segment_topics_table,
    topic_code_table,
    topics_table,
)
from pipeline.topics.vocabulary import clean_text, content_words, doc_terms

log = logging.getLogger(__name__)


@dataclass
class TopicsResult:
    """Everything the topics stage writes, plus the fitted model for the visualisations."""

    topics: pd.DataFrame
    segment_topics: pd.DataFrame
    quotes: pd.DataFrame
    topic_codes: pd.DataFrame
    emergent: pd.DataFrame
    metrics: dict[str, Any]
    model: Any = None
    labels: dict[int, str] = field(default_factory=dict)
    dropped: pd.DataFrame = field(default_factory=lambda: dropped_table(pd.DataFrame(), []))
    candidates: list[dict[str, Any]] = field(default_factory=list)


def fit_topics(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    params: TopicsParams,
    *,
    code_labels: dict[str, str] | None = None,
    encoder: Encoder | None = None,
    placeholders: re.Pattern[str] | None = None,
    codebook_vectors: pd.DataFrame | None = None,
    contacts: re.Pattern[str] | None = None,
) -> TopicsResult:
    """Emergent topics of the segments (pure: no file I/O).

    Args:
        segments: the segments table (``segment_id``, ``interview_id``, ``turn_index``, ``text``).
        embeddings: one L2-normalised row per segment, same order.
        segment_codes: applied codes (``segment_id``, ``code_id``); may be empty.
        params: the ``topics`` block.
        code_labels: code id -> label, for the emergent topics' reasons.
        encoder: a sentence-transformers model for MMR's word embeddings (None: no MMR).
        placeholders: the pattern of the pseudonym templates, kept out of the keywords.
        codebook_vectors: the ``codebook_vectors`` table: its uncoded examples tell small talk
            (None: only the pattern rules of :mod:`pipeline.topics.filtering`).
        contacts: the pattern of the contact placeholders (``[email]``, ``[phone]``, ``[url]``):
            a segment carrying one is a contact detail.
    """
    _check_rows(segments, embeddings)
    # one BLAS thread: a matrix product's summation order never depends on the machine
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(
            segments,
            embeddings,
            segment_codes,
            params,
            code_labels or {},
            encoder,
            (placeholders, contacts),
            codebook_vectors,
        )


def _fit(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    params: TopicsParams,
    code_labels: dict[str, str],
    encoder: Encoder | None,
    placeholders: tuple[re.Pattern[str] | None, re.Pattern[str] | None],
    codebook_vectors: pd.DataFrame | None,
) -> TopicsResult:
    seg, emb = select_segments(segments, embeddings, segment_codes, params.segments)
    docs = [clean_text(t, placeholders[0]) for t in seg["text"].astype(str)]
    words_in = content_words(docs, params)
    reasons = drop_reasons(seg, emb, codebook_vectors, params, words_in, placeholders[1])
    _, lead = uncoded_lead(emb, codebook_vectors)
    started = time.perf_counter()
    keep, main = _filtered_fit(docs, emb, reasons, lead, params, encoder)
    fit_seconds = time.perf_counter() - started
    dropped = dropped_table(seg, reasons)
    seg, emb = seg.loc[keep].reset_index(drop=True), np.ascontiguousarray(emb[keep], np.float32)
    docs = [d for d, k in zip(docs, keep.tolist()) if k]
    memo: dict = {}  # the finer clusterings by seed: the stability runs share them
    fine = carve(_assignments(main)[1], seg, emb, codebook_vectors, params, params.seed, memo)
    main = with_fine_themes(main, fine, docs, emb, params, encoder)
    initial, final, _ = _assignments(main)
    # stability: the same pipeline with other seeds (no MMR: assignments only), finer themes
    # carved with the same seed
    runs = seed_runs(docs, emb, params, final)
    runs[1:] = [
        carve(r, seg, emb, codebook_vectors, params, params.seed + k, memo).labels
        for k, r in enumerate(runs[1:], start=1)
    ]
    ari = stability_ari(runs) if len(runs) >= 2 else None
    result, words = _describe(
        seg, emb, docs, main, segment_codes, params, code_labels, len(segments), fine.coverage
    )
    result.dropped = dropped
    result.metrics = {
        "segments_mode": params.segments,
        "n_segments": len(seg),
        "n_segments_all": len(segments),
        "n_dropped": len(dropped),
        "dropped_by_reason": {
            str(k): int(v) for k, v in sorted(dropped["reason"].value_counts().items())
        },
        "n_topics": len(set(final.tolist()) - {-1}),
        "n_emergent": len(result.emergent),
        "n_fine_themes": fine.n_themes,
        "n_fine_emergent": len(fine.coverage),
        **_quality(docs, initial, final, words, params),
        "stability_ari": _round(ari),
        "stability_seeds": len(runs),
        "fit_seconds": round(fit_seconds, 3),
        **_clustering_metrics(main),
    }
    return result


def _filtered_fit(
    docs: list[str],
    emb: np.ndarray,
    reasons: list[str | None],
    lead: np.ndarray | None,
    params: TopicsParams,
    encoder: Encoder | None,
) -> tuple[np.ndarray, Assignment | None]:
    """Fit the kept segments; when a topic is small talk as a whole, leave it out and refit.

    ``reasons`` is updated in place (``small talk topic``). Returns the kept mask and the fit.
    """
    keep = np.array([r is None for r in reasons], dtype=bool)

    def fit(mask: np.ndarray) -> Assignment | None:
        kept = [d for d, k in zip(docs, mask.tolist()) if k]
        vecs = np.ascontiguousarray(emb[mask], dtype=np.float32)
        return assign_topics(kept, vecs, params, params.seed, encoder) if mask.any() else None

    main = fit(keep)
    if main is None or lead is None or not params.drop_nonanalytic:
        return keep, main
    chat = small_talk_topics(main.final, lead[keep], params)
    if not chat:
        return keep, main
    idx = np.flatnonzero(keep)
    for i, t in zip(idx.tolist(), main.final.tolist()):
        if t in chat:
            reasons[i] = "small talk topic"
            keep[i] = False
    log.info("left out %d small-talk topic(s) and fitted again", len(chat))
    return keep, fit(keep)


def _describe(
    seg: pd.DataFrame,
    emb: np.ndarray,
    docs: list[str],
    main: Assignment | None,
    segment_codes: pd.DataFrame,
    params: TopicsParams,
    code_labels: dict[str, str],
    n_all: int,
    fine: dict[int, float] | None = None,
) -> tuple[TopicsResult, dict[int, list[str]]]:
    """The tables of one fitted seed: topics, quotes, codes, emergent and candidate codes."""
    initial, final, model = _assignments(main)
    probability = _probabilities(main, emb, initial, final)
    seg_topics = segment_topics_table(seg, initial, final, probability)
    words = topic_keywords(model, docs, final, params)
    quotes = representative_quotes(seg, emb, final, params.n_quotes)
    representative = {
        int(t): str(x) for t, x in quotes.loc[quotes["rank"] == 1, ["topic_id", "text"]].values
    }
    supported = supported_words(words, doc_terms(docs, params), final, params.label_min_docs)
    labels = phrase_labels(supported, representative, params.label_words)
    topic_codes = topic_code_table(seg_topics[["segment_id", "topic_id"]], segment_codes)
    coded = set(segment_codes["segment_id"]) if len(segment_codes) else set()
    topics = topics_table(seg_topics, words, labels, topic_codes, params, n_all, coded, fine)
    topics["representative"] = pd.array(
        [representative.get(int(t), "") for t in topics["topic_id"]], dtype="string"
    )
    emergent = emergent_table(topics, params, code_labels, fine)
    candidates = candidate_codes(emergent, quotes, words, params)
    result = TopicsResult(
        topics, seg_topics, quotes, topic_codes, emergent, {}, model, labels, candidates=candidates
    )
    return result, words


def _check_rows(segments: pd.DataFrame, embeddings: np.ndarray) -> None:
    if len(segments) != len(embeddings):
        raise QualevalError(
            f"embeddings: {len(embeddings)} rows for {len(segments)} segments; re-run the embed "
            "stage (`dvc repro embed`)"
        )


def _assignments(main: Assignment | None) -> tuple[np.ndarray, np.ndarray, Any]:
    """Initial and final topics and the fitted model (empty arrays, no model: no segments)."""
    if main is None:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, None
    return main.initial, main.final, main.model


def _quality(
    docs: list[str],
    initial: np.ndarray,
    final: np.ndarray,
    words: dict[int, list[str]],
    params: TopicsParams,
) -> dict[str, Any]:
    """Outlier shares before and after reduction, NPMI and diversity of the real topics."""
    scored = [ws for t, ws in words.items() if t != -1]
    return {
        "outlier_share_before": _share(initial == -1),
        "outlier_share_after": _share(final == -1),
        "npmi": _round(npmi_coherence([w[:10] for w in scored], doc_terms(docs, params))),
        "diversity": _round(topic_diversity([w[: params.diversity_words] for w in scored])),
    }


def _clustering_metrics(main: Assignment | None) -> dict[str, Any]:
    """How the main seed was clustered (method, fallback and why, settings)."""
    return {
        "method": main.clustering.method if main else "none",
        "fallback_used": bool(main.clustering.fallback_used) if main else False,
        "fallback_reason": main.clustering.reason if main else "no segments",
        "settings": main.clustering.settings if main else {},
    }


def _share(mask: np.ndarray) -> float:
    return round(float(mask.mean()), 6) if len(mask) else 0.0


def _round(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 4)


def _probabilities(
    main: Assignment | None, emb: np.ndarray, initial: np.ndarray, final: np.ndarray
) -> np.ndarray:
    """HDBSCAN membership strength where HDBSCAN placed the segment, else centroid cosine."""
    if main is None:
        return np.zeros(0, dtype=np.float64)
    sim = centroid_similarity(emb, final)
    if main.clustering.method != "hdbscan":
        return sim
    probs = np.asarray(main.clustering.probabilities, dtype=np.float64)
    kept = (initial != -1) & (initial == final)
    return np.where(kept, probs, sim)
