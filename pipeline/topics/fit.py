"""One seed's topics: cluster, describe with BERTopic, reduce outliers, refresh keywords."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

import pipeline.topics.scalable as scalable
from pipeline.encoder import Encoder
from pipeline.params import TopicsParams
from pipeline.topics.clustering import Clustering, centroids, cluster_segments
from pipeline.topics.model import batched_mmr, fit_bertopic, quiet
from pipeline.topics.vocabulary import make_vectorizer

log = logging.getLogger(__name__)


def reduce_outliers(
    model: Any,
    docs: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    params: TopicsParams,
) -> np.ndarray:
    """Reassign outliers with BERTopic's ``reduce_outliers`` (``topics.outlier_strategy``)."""
    labels = np.asarray(labels, dtype=np.int64)
    if params.outlier_strategy == "none" or not (labels == -1).any() or (labels != -1).sum() == 0:
        return labels.copy()
    with quiet():
        new = model.reduce_outliers(
            docs,
            labels.tolist(),
            strategy=params.outlier_strategy,
            threshold=params.outlier_threshold,
            embeddings=embeddings if params.outlier_strategy == "embeddings" else None,
        )
    return np.asarray(new, dtype=np.int64)


@dataclass
class Assignment:
    """Topic assignments of one seed, before and after outlier reduction."""

    clustering: Clustering
    initial: np.ndarray
    final: np.ndarray
    model: Any


def assign_topics(
    docs: list[str],
    embeddings: np.ndarray,
    params: TopicsParams,
    seed: int,
    encoder: Encoder | None,
) -> Assignment:
    """Cluster, fit BERTopic on the clusters, reduce outliers and refresh the representations.

    A large corpus is clustered by :func:`pipeline.topics.scalable.cluster_at_scale`.
    """
    if scalable.applies(len(embeddings), params):
        clustering = scalable.cluster_at_scale(embeddings, params, seed)
    else:
        clustering = cluster_segments(embeddings, params, seed)
    if len(set(clustering.labels.tolist())) < 2:
        # one group: c-TF-IDF has nothing to contrast (BERTopic fails on it)
        return Assignment(clustering, clustering.labels, clustering.labels.copy(), None)
    try:
        model = fit_bertopic(docs, embeddings, clustering.labels, params, encoder)
    except Exception as exc:  # e.g. an empty vocabulary: every word a stop word
        log.warning("BERTopic could not describe the topics (%s)", type(exc).__name__)
        return Assignment(clustering, clustering.labels, clustering.labels.copy(), None)
    initial = np.asarray(model.topics_, dtype=np.int64)
    final = reduce_outliers(model, docs, embeddings, initial, params)
    with_mmr = encoder is not None and params.mmr_diversity > 0
    if with_mmr or not np.array_equal(final, initial):
        refresh_keywords(model, docs, final, params, with_mmr)
    model.topic_embeddings_ = centroids(embeddings, final)
    return Assignment(clustering, initial, final, model)


def refresh_keywords(
    model: Any, docs: list[str], final: np.ndarray, params: TopicsParams, with_mmr: bool
) -> None:
    """Recompute the topics' c-TF-IDF keywords (and MMR) for the ``final`` assignment."""
    with quiet():
        model.update_topics(
            docs,
            topics=final.tolist(),
            top_n_words=params.top_words,
            vectorizer_model=make_vectorizer(params, len(set(final.tolist()))),
            ctfidf_model=model.ctfidf_model,
            representation_model=(
                batched_mmr(params.mmr_diversity, params.top_words) if with_mmr else None
            ),
        )
