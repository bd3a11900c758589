"""Topics on large corpora: fit on a bounded sample, merge to a readable count, assign the rest.

From ``topics.scale.min_segments`` segments on (the sample corpus stays below, on the exact
path), one seed's clustering is:

1. a seeded sample of at most ``scale.fit_segments`` segments, stratified over the segment
   order (segments arrive interview by interview, so every interview contributes in
   proportion; :func:`fit_sample`);
2. the sample's topics at the cap ``topics_per_sqrt_segment * sqrt(n)`` clipped to
   [``min_topics``, ``max_topics``] (:func:`topic_cap`), so copies of the same material cannot
   multiply topics. ``scale.clustering: consensus`` (the default; ADR 0046): the topics that
   ``scale.consensus_runs`` seeded k-means fits at the cap agree on
   (:func:`consensus_topics`). ``fitted``: UMAP + HDBSCAN (or the k-means fallback) on the
   sample, with exact neighbours or, above ``scale.exact_neighbours_max`` fitted segments,
   pynndescent's approximate ones (seeded, one thread), merged, closest centroids first, down
   to the cap (:func:`merge_to_cap`) and settled by up to ``scale.refine_steps`` spherical
   k-means steps (:func:`refine`); on a 430-interview corpus its topics changed with the seed
   (the clustering's ARI between seeds 0.59; 40 fits' consensus 0.82);
3. every segment outside the sample joins its nearest topic centroid (cosine) when it is at
   least ``topics.outlier_threshold`` close, else it is an outlier (:func:`nearest_centroid`);
   outlier reduction then runs as on the exact path.

The stability check (:func:`seed_runs_at_scale`) repeats steps 2-3 with seeds ``seed + k``
on the same fit sample (ADR 0033), so it measures the clustering rather than the sampling,
and compares the assignments of every segment (the caller carves finer themes into them by
segment). Cost: the fit is bounded, the assignment and the ARI linear.
See ``docs/adr/0027-topics-at-scale.md``.
"""

from __future__ import annotations

import functools
import logging
import math

import numpy as np

from pipeline.forked import forked_map
from pipeline.jit_cache import cache_compiled
from pipeline.params import TopicsParams
from pipeline.topics.clustering import (
    Clustering,
    _relabel_by_size,
    cluster_segments,
    hdbscan_clusters,
    scaled_settings,
    umap_layout,
)

log = logging.getLogger(__name__)

CONSENSUS = "consensus k-means"  # Clustering.method of the consensus path (ADR 0046)
# rows per block of the centroid products (bounded memory on any corpus)
_BLOCK = 65_536


def applies(n: int, params: TopicsParams) -> bool:
    """Whether ``n`` segments take the scalable path."""
    return n >= params.scale.min_segments


def fit_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded sample of ``min(n, size)`` of ``n`` ordered items.

    The order is cut into ``size`` equal strata and one item drawn from each, so every
    stretch of the order (every interview) is represented in proportion.
    """
    if size >= n:
        return np.arange(n, dtype=np.int64)
    edges = np.floor(np.arange(size + 1) * (n / size)).astype(np.int64)
    rng = np.random.default_rng(seed)
    offsets = np.floor(rng.random(size) * (edges[1:] - edges[:-1])).astype(np.int64)
    return edges[:-1] + offsets


def topic_cap(n: int, params: TopicsParams) -> int:
    """Most topics a corpus of ``n`` segments keeps (documented in ``params.yaml``)."""
    s = params.scale
    return int(
        min(s.max_topics, max(s.min_topics, round(s.topics_per_sqrt_segment * math.sqrt(n))))
    )


def merge_to_cap(embeddings: np.ndarray, labels: np.ndarray, cap: int) -> np.ndarray:
    """Merge the two closest topics (centroid cosine) until at most ``cap`` remain.

    Ties go to the lowest topic ids; the merged topic keeps the smaller id and the
    size-weighted centroid; topics are then renumbered by size. Outliers (-1) stay.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    ids = sorted(set(labels.tolist()) - {-1})
    if len(ids) <= cap:
        return labels
    sums = np.array([embeddings[labels == t].astype(np.float64).sum(axis=0) for t in ids])
    alive = np.ones(len(ids), dtype=bool)
    target = np.arange(len(ids))
    while alive.sum() > cap:
        unit = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        sim = np.round(unit @ unit.T, 9)
        sim[~alive, :] = -np.inf
        sim[:, ~alive] = -np.inf
        np.fill_diagonal(sim, -np.inf)
        # symmetric: the first maximum in row order has i < j (ties: lowest i, then j)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        sums[i] += sums[j]
        alive[j] = False
        target[target == j] = i
    mapping = {t: ids[int(target[k])] for k, t in enumerate(ids)}
    mapping[-1] = -1
    return _relabel_by_size(np.array([mapping[x] for x in labels.tolist()], dtype=np.int64))


def refine(embeddings: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray:
    """Spherical k-means (Lloyd) steps from the given topics; outliers (-1) stay out.

    Each step moves every non-outlier to its nearest centroid and recomputes the centroids;
    it stops early when nothing moves. After merging, this settles the borders the merge
    order drew, which makes the topics less dependent on the seed.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    members = np.flatnonzero(labels != -1)
    for _ in range(iterations):
        ids, cents = centroid_matrix(embeddings, labels)
        if len(ids) < 2:
            break
        moved, _ = nearest_centroid(embeddings[members], ids, cents, -np.inf)
        if np.array_equal(moved, labels[members]):
            break
        labels[members] = moved
    return _relabel_by_size(labels)


def centroid_matrix(embeddings: np.ndarray, labels: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The topic ids (no -1) and their unit-length mean embeddings, one row each."""
    ids = sorted(set(labels.tolist()) - {-1})
    rows = []
    for t in ids:
        c = embeddings[labels == t].astype(np.float64).mean(axis=0)
        rows.append(c / (np.linalg.norm(c) or 1.0))
    dim = embeddings.shape[1] if embeddings.ndim == 2 else 0
    return ids, np.array(rows).reshape(len(ids), dim)


def nearest_centroid(
    embeddings: np.ndarray, ids: list[int], cents: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's closest centroid's topic (-1 below ``threshold``) and that cosine.

    Cosines are rounded to 6 decimals before the choice (ties: the lowest topic id), so
    the last bits of a product never decide a topic; rows are processed in blocks.
    """
    n = len(embeddings)
    topics = np.full(n, -1, dtype=np.int64)
    sims = np.zeros(n, dtype=np.float64)
    if not ids or n == 0:
        return topics, sims
    table = np.asarray(ids, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        block = embeddings[start : start + _BLOCK].astype(np.float64) @ cents.T
        block = np.round(block, 6)
        best = np.argmax(block, axis=1)
        top = block[np.arange(len(block)), best]
        topics[start : start + len(block)] = np.where(top >= threshold, table[best], -1)
        sims[start : start + len(block)] = np.clip(top, 0.0, 1.0)
    return topics, sims


def use_approximate(m: int, params: TopicsParams) -> bool:
    """Whether a fit on ``m`` segments uses approximate neighbours."""
    mode = params.scale.neighbours
    return mode == "approximate" or (mode == "auto" and m > params.scale.exact_neighbours_max)


def umap_approximate(
    embeddings: np.ndarray, settings: dict, params: TopicsParams, seed: int
) -> np.ndarray:
    """UMAP on pynndescent's approximate cosine neighbours (seeded, one thread)."""
    from pynndescent import NNDescent

    cache_compiled()  # numba's compiled code from an earlier process (ADR 0040)
    k = settings["n_neighbors"]
    index = NNDescent(
        embeddings, metric="cosine", n_neighbors=k, random_state=seed, n_jobs=1, low_memory=True
    )
    idx, dist = index.neighbor_graph
    return umap_layout(embeddings, idx, dist, settings, params, seed)


def cluster_sample(embeddings: np.ndarray, params: TopicsParams, seed: int) -> Clustering:
    """The sample's clustering: exact path, or UMAP on approximate neighbours + HDBSCAN.

    With approximate neighbours, a failure or a result the exact path would reject (fewer
    than two topics, too many outliers) falls back to :func:`cluster_segments`.
    """
    if params.method == "kmeans" or not use_approximate(len(embeddings), params):
        return cluster_segments(embeddings, params, seed)
    settings = scaled_settings(len(embeddings), params)
    try:
        reduced = umap_approximate(embeddings, settings, params, seed)
        labels, probs = hdbscan_clusters(reduced, settings, params)
    except Exception as exc:  # a numerical failure on odd input must not stop the run
        log.warning("approximate UMAP/HDBSCAN failed (%s); exact path", type(exc).__name__)
        return cluster_segments(embeddings, params, seed)
    if len(set(labels.tolist()) - {-1}) < 2 or (labels == -1).mean() > params.max_outlier_share:
        return cluster_segments(embeddings, params, seed)
    settings["neighbours"] = "approximate"
    return Clustering(_relabel_by_size(labels), probs, "hdbscan", False, "", settings)


def consensus_topics(embeddings: np.ndarray, k: int, runs: int, seed: int) -> np.ndarray:
    """``k`` topics of ``embeddings`` agreed by ``runs`` k-means fits (ADR 0046).

    Each fit (``n_init=1``, seeds ``seed * runs + r``, one thread) is one view of the topics;
    two segments are as far apart as the share of fits that separate them (Hamming distance
    between their label vectors, the co-association), and average linkage on that distance
    is cut at ``k`` topics. One k-means fit, like one UMAP layout, depends on its seed; the
    segments most fits put together do much less, so another seed finds nearly the same
    topics. Labels are numbered by size.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    x = np.asarray(embeddings, dtype=np.float64)
    k = max(1, min(k, len(x)))
    with threadpool_limits(limits=1):
        fits = [
            KMeans(k, n_init=1, random_state=seed * runs + r).fit(x).labels_ for r in range(runs)
        ]
    tree = linkage(pdist(np.array(fits).T, metric="hamming"), "average")
    return _relabel_by_size(fcluster(tree, k, "maxclust").astype(np.int64) - 1)


def _sample_topics(
    sample_embeddings: np.ndarray, params: TopicsParams, seed: int, cap: int
) -> tuple[Clustering, np.ndarray]:
    """The fit sample's clustering and its topics at the cap (consensus or fitted)."""
    scale = params.scale
    if scale.clustering == "consensus" and len(sample_embeddings) > cap:
        labels = consensus_topics(sample_embeddings, cap, scale.consensus_runs, seed)
        settings = {"consensus_runs": scale.consensus_runs}
        probs = np.zeros(len(labels))
        return Clustering(labels, probs, CONSENSUS, False, "", settings), labels
    sample = cluster_sample(sample_embeddings, params, seed)
    merged = merge_to_cap(sample_embeddings, sample.labels, cap)
    return sample, refine(sample_embeddings, merged, scale.refine_steps)


def cluster_at_scale(
    embeddings: np.ndarray, params: TopicsParams, seed: int, sample_seed: int | None = None
) -> Clustering:
    """One seed's initial topics of a large corpus (steps 1-4 of the module docstring).

    The fit sample is drawn with ``sample_seed`` (default: ``seed``); the clustering uses
    ``seed``. The returned clustering covers every segment: the sample's labels (and
    HDBSCAN's membership strengths) where it was fitted, the nearest centroid (or -1) and its
    cosine elsewhere.
    """
    n = len(embeddings)
    idx = fit_sample(n, params.scale.fit_segments, seed if sample_seed is None else sample_seed)
    cap = topic_cap(n, params)
    sample, merged = _sample_topics(np.ascontiguousarray(embeddings[idx]), params, seed, cap)
    ids, cents = centroid_matrix(embeddings[idx], merged)
    labels, probs = nearest_centroid(embeddings, ids, cents, params.outlier_threshold)
    labels[idx] = merged
    if sample.method == CONSENSUS:  # every sampled segment: its centroid cosine
        probs[idx] = nearest_centroid(embeddings[idx], ids, cents, -np.inf)[1]
    else:  # HDBSCAN's membership strength where it placed a sampled segment
        probs[idx] = np.where(sample.labels != -1, sample.probabilities, probs[idx])
    settings = {
        **sample.settings,
        "neighbours": sample.settings.get(
            "neighbours", "none" if sample.method == CONSENSUS else "exact"
        ),
        "fit_segments": len(idx),
        "topics_fitted": len(set(sample.labels.tolist()) - {-1}),
        "topic_cap": cap,
    }
    return Clustering(
        _relabel_by_size(labels),
        probs,
        sample.method,
        sample.fallback_used,
        sample.reason,
        settings,
    )


def seed_runs_at_scale(
    embeddings: np.ndarray, params: TopicsParams, first: np.ndarray
) -> list[np.ndarray]:
    """``first`` and seeds ``seed + 1`` onwards, each over every segment.

    Every seed fits on the main run's sample (drawn with ``topics.seed``): only UMAP's,
    HDBSCAN's and the k-means fallback's seed changes, so the ARI measures the clustering's
    stability, not which segments a sample happened to draw. Each other seed clusters,
    merges and assigns every segment by nearest centroid (the embeddings outlier rule).
    The runs cover every segment (the caller carves finer themes into them by segment); the
    ARI over them is linear in the corpus.
    """
    seeds = [params.seed + k for k in range(1, params.stability_seeds)]
    # the seeds are independent: fitted at once on every core, the same bytes (ADR 0044)
    others = forked_map(functools.partial(_seed_run, embeddings, params), seeds)
    return [np.asarray(first), *others]


def _seed_run(embeddings: np.ndarray, params: TopicsParams, seed: int) -> np.ndarray:
    """One other seed's topics of every segment, fitted on the main seed's sample."""
    labels = cluster_at_scale(embeddings, params, seed, params.seed).labels
    ids, cents = centroid_matrix(embeddings, labels)
    outliers = np.flatnonzero(labels == -1)
    if len(outliers) and ids:
        labels = labels.copy()
        labels[outliers] = nearest_centroid(
            embeddings[outliers], ids, cents, params.outlier_threshold
        )[0]
    return labels
