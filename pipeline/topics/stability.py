"""Stability: the same pipeline with other seeds, compared by adjusted Rand index."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from pipeline.params import TopicsParams
from pipeline.topics.fit import assign_topics
from pipeline.topics.scalable import applies, seed_runs_at_scale


def seed_runs(
    docs: list[str], embeddings: np.ndarray, params: TopicsParams, first: np.ndarray
) -> list[np.ndarray]:
    """``first`` and the final assignments of seeds ``seed + 1`` onwards (no MMR).

    ``topics.stability_seeds`` runs in all; only ``first`` when there are no documents. A large
    corpus is compared on a bounded subsample (:func:`pipeline.topics.scalable.seed_runs_at_scale`).
    """
    if applies(len(docs), params):
        return seed_runs_at_scale(embeddings, params, first)
    runs = [first]
    for k in range(1, params.stability_seeds if len(docs) else 0):
        other = assign_topics(docs, embeddings, params, params.seed + k, None)
        runs.append(other.final)
    return runs


def stability_ari(assignments: Sequence[np.ndarray]) -> float | None:
    """Mean adjusted Rand index over all pairs of assignments (None for fewer than two)."""
    from sklearn.metrics import adjusted_rand_score

    if len(assignments) < 2:
        return None
    pairs = list(itertools.combinations(assignments, 2))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs]))
