"""Initial topic assignments: UMAP + HDBSCAN built from ``params.yaml`` and seeded.

Parameters are scaled to the corpus size; a k-means fallback (k chosen by silhouette) takes
over for small corpora, when HDBSCAN finds fewer than two topics or leaves too many outliers.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.jit_cache import cache_compiled
from pipeline.params import TopicsParams

log = logging.getLogger(__name__)


@dataclass
class Clustering:
    """Initial topic assignments of one clustering run."""

    labels: np.ndarray
    probabilities: np.ndarray
    method: str
    fallback_used: bool
    reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


def scaled_settings(n: int, params: TopicsParams) -> dict[str, Any]:
    """Clustering settings for a corpus of ``n`` segments (documented in params.yaml).

    * ``min_cluster_size``: ``topics.min_topic_size``, or when null
      ``round(min_topic_share * n)`` clipped to [``min_topic_floor``, ``min_topic_ceiling``];
    * ``min_samples``: ``topics.min_samples``, or when null ``min_cluster_size`` (HDBSCAN's
      own default: conservative clusters, which outlier reduction then completes);
    * ``max_cluster_size``: ``round(max_topic_share * n)`` (at least ``2 * min_cluster_size``;
      0, no limit, when ``max_topic_share`` is 1): HDBSCAN's excess of mass never keeps a
      cluster holding more of the corpus, so a seed cannot settle on two giant topics;
    * UMAP ``n_neighbors`` at most ``n - 1`` and ``n_components`` at most ``n - 2``.
    """
    if params.min_topic_size is not None:
        mcs = params.min_topic_size
    else:
        mcs = round(params.min_topic_share * n)
        mcs = min(max(mcs, params.min_topic_floor), params.min_topic_ceiling)
    mcs = max(2, min(mcs, max(2, n // 2)))
    ms = params.min_samples if params.min_samples is not None else mcs
    cap = 0 if params.max_topic_share >= 1 else max(2 * mcs, round(params.max_topic_share * n))
    return {
        "min_cluster_size": int(mcs),
        "min_samples": int(min(ms, mcs)),
        "max_cluster_size": int(cap),
        "n_neighbors": int(max(2, min(params.n_neighbors, n - 1))),
        "n_components": int(max(2, min(params.n_components, n - 2))),
    }


def kmeans_topics(
    embeddings: np.ndarray, seed: int, k_min: int, k_max: int
) -> tuple[np.ndarray, int, float]:
    """k-means on the embeddings with k chosen by cosine silhouette (smallest k among ties).

    Returns:
        (labels, k, silhouette); one topic (silhouette nan) when there are fewer than three
        segments.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(embeddings)
    hi = min(k_max, n - 1)
    if n < 3 or hi < max(2, k_min):
        return np.zeros(n, dtype=np.int64), 1, math.nan
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(max(2, k_min), hi + 1):
        km = KMeans(n_clusters=k, random_state=seed, n_init=10)
        labels = km.fit_predict(embeddings.astype(np.float64))
        if len(set(labels.tolist())) < 2:
            continue
        score = round(float(silhouette_score(embeddings, labels, metric="cosine")), 6)
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        return np.zeros(n, dtype=np.int64), 1, math.nan
    score, k, labels = best
    return _relabel_by_size(labels), k, score


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (ties: first occurrence); -1 stays."""
    labels = np.asarray(labels)
    ids = [x for x in dict.fromkeys(labels.tolist()) if x != -1]
    sizes = {x: int((labels == x).sum()) for x in ids}
    order = sorted(ids, key=lambda x: (-sizes[x], ids.index(x)))
    mapping = {old: new for new, old in enumerate(order)}
    mapping[-1] = -1
    return np.array([mapping[x] for x in labels.tolist()], dtype=np.int64)


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-length mean embedding of each topic, rows in topic order (-1 first if present)."""
    rows = []
    for t in sorted(set(labels.tolist())):
        c = embeddings[labels == t].astype(np.float64).mean(axis=0)
        rows.append(c / (np.linalg.norm(c) or 1.0))
    return np.array(rows)


def centroid_similarity(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine of each segment to its topic's centroid (clipped at 0; 0 for outliers)."""
    out = np.zeros(len(labels), dtype=np.float64)
    for t in sorted(set(labels.tolist()) - {-1}):
        mask = labels == t
        c = embeddings[mask].astype(np.float64).mean(axis=0)
        norm = np.linalg.norm(c)
        if norm > 0:
            sims = embeddings[mask].astype(np.float64) @ (c / norm)
            out[mask] = np.round(np.clip(sims, 0.0, 1.0), 9)
    return out


def cluster_segments(embeddings: np.ndarray, params: TopicsParams, seed: int) -> Clustering:
    """Initial topics: UMAP + HDBSCAN, or the k-means fallback (never raises on tiny input)."""
    n = len(embeddings)
    settings = scaled_settings(n, params)
    if n == 0:
        return Clustering(np.zeros(0, np.int64), np.zeros(0), "none", False, "no segments", {})

    def fallback(reason: str) -> Clustering:
        labels, k, sil = kmeans_topics(embeddings, seed, params.k_min, params.k_max)
        settings.update({"k": k, "silhouette": None if math.isnan(sil) else sil})
        probs = centroid_similarity(embeddings, labels)
        return Clustering(labels, probs, "kmeans", params.method != "kmeans", reason, settings)

    if params.method == "kmeans":
        return fallback("topics.method is kmeans")
    if n < params.min_segments_hdbscan:
        return fallback(
            f"{n} segments < topics.min_segments_hdbscan ({params.min_segments_hdbscan})"
        )
    try:
        reduced = umap_reduce(embeddings, settings, params, seed)
        labels, probs = hdbscan_clusters(reduced, settings, params)
    except Exception as exc:  # a numerical failure on odd input must not stop the run
        log.warning("UMAP/HDBSCAN failed (%s); using the k-means fallback", type(exc).__name__)
        return fallback(f"UMAP/HDBSCAN failed ({type(exc).__name__})")
    n_topics = len(set(labels.tolist()) - {-1})
    outlier_share = float((labels == -1).mean())
    if n_topics < 2:
        return fallback(f"HDBSCAN found {n_topics} topic(s)")
    if outlier_share > params.max_outlier_share:
        return fallback(
            f"HDBSCAN left {outlier_share:.0%} outliers > topics.max_outlier_share "
            f"({params.max_outlier_share:.0%})"
        )
    return Clustering(_relabel_by_size(labels), probs, "hdbscan", False, "", settings)


def umap_reduce(
    embeddings: np.ndarray, settings: dict, params: TopicsParams, seed: int
) -> np.ndarray:
    """UMAP on exact cosine neighbours (sklearn, brute force), seeded and single-threaded.

    Precomputing the neighbours skips pynndescent, whose numba compilation alone takes
    about 40 s in a fresh process on corpora over 4,096 segments; exact neighbours are also
    deterministic.
    """
    from sklearn.neighbors import NearestNeighbors

    k = settings["n_neighbors"]
    nn = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=1)
    # float64: a float32 distance's last bits depend on the CPU's BLAS kernel (ADR 0029)
    vectors = np.asarray(embeddings, dtype=np.float64)
    dist, idx = nn.fit(vectors).kneighbors(vectors)
    return umap_layout(embeddings, idx, dist, settings, params, seed)


def umap_layout(
    embeddings: np.ndarray,
    idx: np.ndarray,
    dist: np.ndarray,
    settings: dict,
    params: TopicsParams,
    seed: int,
) -> np.ndarray:
    """UMAP, seeded and single-threaded, on precomputed neighbours ``idx`` at ``dist``."""
    from umap import UMAP

    cache_compiled()  # numba's compiled code from an earlier process (ADR 0040)
    # rounded: the last bits of a distance never decide a neighbour weight (ADR 0021)
    dist = np.round(np.clip(dist, 0.0, None), 6).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = UMAP(
            n_neighbors=settings["n_neighbors"],
            n_components=settings["n_components"],
            min_dist=params.min_dist,
            metric="cosine",
            random_state=seed,
            n_jobs=1,
            low_memory=True,
            precomputed_knn=(idx, dist, None),
        )
        return np.round(np.asarray(model.fit_transform(embeddings), dtype=np.float64), 6)


def hdbscan_clusters(reduced: np.ndarray, settings: dict, params: TopicsParams) -> tuple:
    """HDBSCAN on the reduced vectors: (labels with -1 for outliers, membership strengths)."""
    from hdbscan import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=settings["min_cluster_size"],
        min_samples=settings["min_samples"],
        max_cluster_size=settings.get("max_cluster_size", 0),
        metric="euclidean",
        cluster_selection_method=params.cluster_selection_method,
        core_dist_n_jobs=1,
    )
    model.fit(reduced)
    return np.asarray(model.labels_, dtype=np.int64), np.asarray(model.probabilities_, float)
