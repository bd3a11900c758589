"""Finer themes the codebook covers least, carved out of the main topics (ADR 0025).

The main topics are coarse (about 20 on a corpus of 40 interviews) so that the topic list stays
readable; a theme the codebook misses is usually a small part of one of them ("training for
peers" inside "peer challenge, team, review"). So a second, finer clustering runs over the
analytic **turns** (the unit the coders decide on: a turn's vector is the normalised mean of
its kept segments' embeddings):

1. UMAP (``topics.fine_neighbors``) and HDBSCAN (excess of mass) with ``min_samples`` 1,
   ``min_cluster_size`` ``round(topics.fine_min_share * turns)`` but at least
   ``topics.fine_min_floor`` turns: themes of a handful of turns, as a code with 8-12 turns is;
2. each finer theme's **coverage**: the cosine of its centroid to the nearest code material
   (definitions, examples, keywords: every codebook vector that is not an uncoded example);
3. the least covered ``topics.fine_emergent_share`` of the finer themes become topics of their
   own, flagged emergent: their turns' segments leave their main topic. The other finer themes
   are dropped; their segments stay where they were.

Coverage ranks rather than a fixed cut: the cosine scale depends on the codebook's wording and
the encoder, the ranking does not (measured in ``benchmarks/bench_hidden_codes.py``).
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.encoder import Encoder
from pipeline.forked import forked_map
from pipeline.params import TopicsParams
from pipeline.topics.clustering import centroids, umap_reduce
from pipeline.topics.filtering import UNCODED_KINDS
from pipeline.topics.fit import Assignment, refresh_keywords

log = logging.getLogger(__name__)


@dataclass
class FineThemes:
    """The carved assignments and what was found."""

    labels: np.ndarray  # per segment: the main topic, or a carved theme's new topic id
    coverage: dict[int, float] = field(default_factory=dict)  # carved topic id -> coverage
    n_themes: int = 0  # finer themes found (carved or not)


def turn_vectors(segments: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's turn row and one unit vector per turn (mean of its segments).

    Returns:
        ``(turn_of_segment, vectors)``: turns in order of first appearance.
    """
    keys = list(zip(segments["interview_id"].astype(str), segments["turn_index"].astype(int)))
    position: dict[tuple[str, int], int] = {}
    of_segment = np.array([position.setdefault(k, len(position)) for k in keys], dtype=np.int64)
    vectors = np.zeros((len(position), embeddings.shape[1]), dtype=np.float64)
    np.add.at(vectors, of_segment, embeddings.astype(np.float64))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return of_segment, np.round(vectors / np.where(norms > 0, norms, 1.0), 6)


def fine_clusters(vectors: np.ndarray, params: TopicsParams, seed: int) -> np.ndarray:
    """Finer themes of the turns (-1: in none); all -1 when there are too few turns."""
    from hdbscan import HDBSCAN

    n = len(vectors)
    mcs = min_theme_size(n, params)
    if _too_few(n, params):
        return np.full(n, -1, dtype=np.int64)
    settings = {
        "n_neighbors": int(max(2, min(params.fine_neighbors, n - 1))),
        "n_components": int(max(2, min(params.n_components, n - 2))),
    }
    try:
        reduced = umap_reduce(vectors.astype(np.float32), settings, params, seed)
        model = HDBSCAN(
            min_cluster_size=int(mcs),
            min_samples=1,
            metric="euclidean",
            cluster_selection_method="eom",
            core_dist_n_jobs=1,
        ).fit(reduced)
    except Exception as exc:  # odd input must not stop the run: no finer themes
        log.warning("finer themes: UMAP/HDBSCAN failed (%s)", type(exc).__name__)
        return np.full(n, -1, dtype=np.int64)
    return np.asarray(model.labels_, dtype=np.int64)


def _too_few(n_turns: int, params: TopicsParams) -> bool:
    """Whether ``n_turns`` are too few for finer themes (none are looked for)."""
    return n_turns < max(params.fine_min_turns, 2 * min_theme_size(n_turns, params) + 2)


def min_theme_size(n_turns: int, params: TopicsParams) -> int:
    """A finer theme's fewest turns: ``fine_min_share`` of them, at least ``fine_min_floor``."""
    return int(max(params.fine_min_floor, round(params.fine_min_share * n_turns)))


def meet(clusterings: list[np.ndarray], min_size: int) -> np.ndarray:
    """The groups of turns that every clustering puts in the same theme (ADR 0037).

    A turn in no theme for some clustering is in none; a group of fewer than ``min_size``
    turns is dropped. Groups are numbered 0.. in order of their first turn.
    """
    table = np.vstack([np.asarray(c, dtype=np.int64) for c in clusterings])
    groups: dict[tuple[int, ...], list[int]] = {}
    for i in np.flatnonzero((table != -1).all(axis=0)).tolist():
        groups.setdefault(tuple(table[:, i].tolist()), []).append(i)
    out = np.full(table.shape[1], -1, dtype=np.int64)
    kept = [idx for idx in groups.values() if len(idx) >= min_size]
    for number, idx in enumerate(kept):
        out[idx] = number
    return out


def agreement(labels: np.ndarray, other: np.ndarray) -> dict[int, float]:
    """Each theme of ``labels``: its best Jaccard overlap with a theme of ``other`` (same turns)."""
    return {t: score for t, (score, _) in best_matches(labels, other).items()}


def best_matches(labels: np.ndarray, other: np.ndarray) -> dict[int, tuple[float, int]]:
    """Each theme of ``labels``: (best Jaccard, that theme of ``other``; -1 when none)."""
    out = {}
    for t in sorted(set(labels.tolist()) - {-1}):
        mine = labels == t
        best = (0.0, -1)
        for u in sorted(set(other[mine].tolist()) - {-1}):
            theirs = other == u
            best = max(best, (round(float((mine & theirs).sum() / (mine | theirs).sum()), 6), u))
        out[int(t)] = (best[0], int(best[1]))
    return out


def stable_clusters(
    vectors: np.ndarray, params: TopicsParams, seed: int, memo: dict | None = None
) -> tuple[np.ndarray, int]:
    """The finer themes of ``seed`` that the next seeds find again; the others become -1.

    With ``topics.fine_meet`` (ADR 0037) the themes are the groups of turns that all of seeds
    ``seed`` .. ``seed + fine_stability_seeds - 1`` put together (:func:`meet`). Otherwise a
    theme is kept when, for each of seeds ``seed + 1`` .. ``seed + fine_stability_seeds - 1``,
    some theme of that seed's clustering overlaps it by at least ``topics.fine_min_agreement``
    (Jaccard over turns). Returns the labels and the number of themes found before the check.
    ``memo`` (seed -> labels) keeps the clusterings of these same ``vectors`` between calls.
    """
    shared = memo is not None
    memo = {} if memo is None else memo
    _prefetch(vectors, params, seed, memo, shared)

    def cluster(s: int) -> np.ndarray:
        if s not in memo:
            memo[s] = fine_clusters(vectors, params, s)
        return memo[s]

    labels = cluster(seed)
    found = len(set(labels.tolist()) - {-1})
    if params.fine_meet:
        runs = [cluster(seed + k) for k in range(params.fine_stability_seeds)]
        return meet(runs, min_theme_size(len(vectors), params)), found
    kept = set(labels.tolist()) - {-1}
    core = labels.copy()
    for k in range(1, params.fine_stability_seeds):
        if not kept:
            break
        other = cluster(seed + k)
        match = best_matches(labels, other)
        kept = {t for t in kept if match[t][0] >= params.fine_min_agreement}
        if params.fine_core:  # only the turns every seed puts in the theme
            for t in kept:
                core[(labels == t) & (other != match[t][1])] = -1
    out = np.where(np.isin(core, sorted(kept)), core, -1)
    return out, found


def _prefetch(
    vectors: np.ndarray, params: TopicsParams, seed: int, memo: dict, shared: bool
) -> None:
    """Fit the seeds :func:`stable_clusters` will use, at once on every core (ADR 0044).

    Seeds ``seed`` .. ``seed + fine_stability_seeds - 1``; with a ``shared`` memo on the main
    seed also those the stability runs' carves (seeds ``seed + 1`` .. ``seed +
    stability_seeds - 1``) will ask for. Each clustering is the same bytes in any process.
    """
    if _too_few(len(vectors), params):
        return
    last = seed + params.fine_stability_seeds - 1
    if shared and seed == params.seed:
        last += max(0, params.stability_seeds - 1)
    missing = [s for s in range(seed, last + 1) if s not in memo]
    if len(missing) > 1:
        fits = forked_map(functools.partial(fine_clusters, vectors, params), missing)
        memo.update(zip(missing, fits))


def code_material(codebook_vectors: pd.DataFrame | None) -> np.ndarray:
    """The codes' material vectors (every codebook vector but the uncoded examples)."""
    if codebook_vectors is None or not len(codebook_vectors):
        return np.zeros((0, 0), dtype=np.float64)
    rows = codebook_vectors.loc[~codebook_vectors["kind"].isin(UNCODED_KINDS), "vector"]
    if not len(rows):
        return np.zeros((0, 0), dtype=np.float64)
    return np.vstack([np.asarray(v, dtype=np.float64) for v in rows])


def coverage(vectors: np.ndarray, labels: np.ndarray, material: np.ndarray) -> dict[int, float]:
    """Each finer theme's cosine from its centroid to the nearest code material."""
    out = {}
    for t in sorted(set(labels.tolist()) - {-1}):
        c = vectors[labels == t].mean(axis=0)
        c = c / (np.linalg.norm(c) or 1.0)
        out[int(t)] = round(float((material @ c).max()), 6)
    return out


def least_covered(cover: dict[int, float], share: float) -> list[int]:
    """The ``share`` least covered themes (at least one when any), least covered first."""
    if not cover:
        return []
    k = max(1, math.floor(share * len(cover) + 1e-9)) if share > 0 else 0
    return [t for t, _ in sorted(cover.items(), key=lambda kv: (kv[1], kv[0]))[:k]]


def carve(
    labels: np.ndarray,
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    codebook_vectors: pd.DataFrame | None,
    params: TopicsParams,
    seed: int,
    memo: dict | None = None,
) -> FineThemes:
    """The main topics with the least covered finer themes carved out as topics of their own.

    New topic ids follow the main ones (least covered first); the main topics keep their ids.
    Nothing changes without code material, with ``topics.fine_emergent_share`` 0 or when no
    finer theme is found. ``memo``: see :func:`stable_clusters` (same segments, same memo).
    """
    labels = np.asarray(labels, dtype=np.int64)
    material = code_material(codebook_vectors)
    if not params.fine_emergent_share or not len(material) or not len(labels):
        return FineThemes(labels.copy())
    of_segment, vectors = turn_vectors(segments, embeddings)
    fine, found = stable_clusters(vectors, params, seed, memo)
    cover = coverage(vectors, fine, material)
    picked = least_covered(cover, params.fine_emergent_share)
    out = labels.copy()
    first = int(labels.max()) + 1 if len(labels) else 0
    carved = {}
    for i, t in enumerate(picked):
        out[np.isin(of_segment, np.flatnonzero(fine == t))] = first + i
        carved[first + i] = cover[t]
    # a main topic may have lost every segment: number the topics 0.. again, in order
    ids = {t: i for i, t in enumerate(sorted(set(out.tolist()) - {-1}))} | {-1: -1}
    out = np.array([ids[t] for t in out.tolist()], dtype=np.int64)
    carved = {ids[t]: c for t, c in carved.items() if t in ids}
    return FineThemes(out, carved, found)


def with_fine_themes(
    main: Assignment | None,
    fine: FineThemes,
    docs: list[str],
    embeddings: np.ndarray,
    params: TopicsParams,
    encoder: Encoder | None,
) -> Assignment | None:
    """``main`` with the carved assignments and the topics' keywords computed again."""
    if main is None or not fine.coverage:
        return main
    final = fine.labels
    model = main.model
    if model is not None:
        with_mmr = encoder is not None and params.mmr_diversity > 0
        refresh_keywords(model, docs, final, params, with_mmr)
        model.topic_embeddings_ = centroids(embeddings, final)
    return Assignment(main.clustering, main.initial, final, model)


def fine_reason(coverage_cosine: float) -> str:
    """Why a carved theme is emergent, in words."""
    return (
        "a finer theme among those the codebook covers least: its nearest code material is at "
        f"cosine {coverage_cosine:.2f}"
    )
