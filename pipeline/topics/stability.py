"""Stability: the same pipeline with other seeds, compared by adjusted Rand index."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

import pipeline.topics.scalable as scalable
from pipeline.forked import forked_map
from pipeline.params import TopicsParams
from pipeline.topics.fit import assign_topics


def seed_runs(
    docs: list[str], embeddings: np.ndarray, params: TopicsParams, first: np.ndarray
) -> list[np.ndarray]:
    """``first`` and the final assignments of seeds ``seed + 1`` onwards (no MMR).

    ``topics.stability_seeds`` runs in all; only ``first`` when there are no documents. A large
    corpus is compared on a bounded subsample (:func:`pipeline.topics.scalable.seed_runs_at_scale`).
    """
    if scalable.applies(len(docs), params):
        return scalable.seed_runs_at_scale(embeddings, params, first)
    seeds = [params.seed + k for k in range(1, params.stability_seeds if len(docs) else 0)]
    # the seeds are independent: fitted at once on every core, the same bytes (ADR 0044)
    return [first, *forked_map(functools.partial(final_topics, docs, embeddings, params), seeds)]


def final_topics(
    docs: list[str], embeddings: np.ndarray, params: TopicsParams, seed: int
) -> np.ndarray:
    """The final assignments of one seed (no MMR), as :func:`seed_runs` compares them."""
    return assign_topics(docs, embeddings, params, seed, None).final


def stability_ari(assignments: Sequence[np.ndarray]) -> float | None:
    """Mean adjusted Rand index over all pairs of assignments (None for fewer than two)."""
    from sklearn.metrics import adjusted_rand_score

    if len(assignments) < 2:
        return None
    pairs = list(itertools.combinations(assignments, 2))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs]))
