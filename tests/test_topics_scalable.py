"""Topics at scale: sampling, merging to the cap, nearest-centroid assignment, determinism.

Small synthetic embeddings only, no BERTopic; the clustering runs as k-means (no UMAP) except
in the one test marked for the approximate neighbours.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from pipeline.params import TopicsParams, TopicsScaleParams
from pipeline.topics import scalable
from pipeline.topics.clustering import _relabel_by_size


def blobs(n_per: int, k: int, seed: int = 0, dim: int = 16, noise: float = 0.05) -> np.ndarray:
    """Unit vectors in ``k`` tight groups, group after group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    x = np.repeat(centres, n_per, axis=0) + noise * rng.normal(size=(k * n_per, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def params(**scale) -> TopicsParams:
    base = {
        "min_segments": 100,
        "fit_segments": 100,
        "stability_segments": 100,
        "clustering": "fitted",
    }
    return TopicsParams(method="kmeans", k_max=6, scale=TopicsScaleParams(**(base | scale)))


def truth(n_per: int, k: int) -> np.ndarray:
    return np.repeat(np.arange(k), n_per)


@pytest.mark.parametrize(
    ("n", "size", "expected"),
    [(10, 20, 10), (10, 10, 10), (1000, 100, 100), (1001, 7, 7)],
)
def test_when_sampling_then_size_is_bounded_and_indices_sorted_unique(n, size, expected):
    idx = scalable.fit_sample(n, size, seed=3)
    assert len(idx) == expected
    assert np.all(np.diff(idx) > 0)
    assert idx.min() >= 0 and idx.max() < n


def test_when_sampling_ordered_groups_then_each_group_gets_its_share():
    # 10 interviews of unequal length, one after the other
    lengths = [50, 150, 100, 300, 50, 100, 50, 100, 50, 50]
    groups = np.repeat(np.arange(10), lengths)
    idx = scalable.fit_sample(len(groups), 100, seed=1)
    counts = np.bincount(groups[idx], minlength=10)
    expected = np.array(lengths) / sum(lengths) * 100
    assert np.all(np.abs(counts - expected) <= 1)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_when_sampling_twice_with_same_seed_then_same_indices(seed):
    a = scalable.fit_sample(5000, 300, seed)
    b = scalable.fit_sample(5000, 300, seed)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, scalable.fit_sample(5000, 300, seed + 1))


@pytest.mark.parametrize(
    ("n", "expected"),
    [(100, 10), (2_600, 10), (26_000, 20), (260_000, 60), (600_000, 60)],
)
def test_when_corpus_grows_then_topic_cap_grows_within_range(n, expected):
    assert scalable.topic_cap(n, TopicsParams()) == expected


def test_when_min_topics_above_max_then_params_invalid():
    with pytest.raises(ValidationError, match="min_topics"):
        TopicsScaleParams(min_topics=30, max_topics=20)


def test_when_unknown_scale_key_then_params_invalid():
    with pytest.raises(ValidationError):
        TopicsScaleParams(fit_sample=10)


@pytest.mark.parametrize("cap", [1, 2, 3, 6, 10])
def test_when_merging_to_cap_then_at_most_cap_topics_and_outliers_stay(cap):
    emb = blobs(20, 6)
    labels = np.repeat(np.arange(6), 20)
    labels[::17] = -1
    merged = scalable.merge_to_cap(emb, labels, cap)
    assert len(set(merged.tolist()) - {-1}) == min(cap, 6)
    assert np.array_equal(merged == -1, labels == -1)


def test_when_merging_then_closest_topics_join_first():
    # topics 0 and 1 are near copies of one direction; 2 and 3 are far apart
    base = blobs(30, 3, seed=4, noise=0.01)
    emb = np.vstack([base[:30], base[:30] + 0.02, base[30:60], base[60:90]])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.repeat(np.arange(4), 30)
    merged = scalable.merge_to_cap(emb, labels, 3)
    assert len(set(merged[:60].tolist())) == 1
    assert len(set(merged.tolist())) == 3


def test_when_assigning_to_nearest_centroid_then_threshold_makes_outliers():
    cents = np.array([[1.0, 0.0], [0.0, 1.0]])
    emb = np.array([[0.9, 0.1], [0.1, 0.9], [-1.0, -0.2], [0.7, 0.7]])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    topics, sims = scalable.nearest_centroid(emb, [4, 9], cents, threshold=0.3)
    # the tie at [0.7, 0.7] goes to the lower id
    assert topics.tolist() == [4, 9, -1, 4]
    assert sims[2] == 0.0 and 0.9 < sims[0] <= 1.0


def test_when_clustering_a_corpus_of_copies_then_topics_stay_within_the_cap():
    # 8 themes, copied 50 times with noise: 4,000 segments (k-means finds at most 6)
    emb = np.vstack([blobs(10, 8, seed=0, noise=0.2) for _ in range(50)])
    p = params(fit_segments=200, min_topics=2, max_topics=3)
    out = scalable.cluster_at_scale(emb, p, seed=0)
    n_topics = len(set(out.labels.tolist()) - {-1})
    assert out.settings["topics_fitted"] > 3
    assert n_topics == scalable.topic_cap(len(emb), p) == 3
    assert len(out.labels) == len(emb) == len(out.probabilities)
    assert out.settings["fit_segments"] == 200


def test_when_clustering_twice_then_same_assignments():
    emb = blobs(100, 5, noise=0.3)
    p = params(fit_segments=200, max_topics=4, min_topics=2)
    a = scalable.cluster_at_scale(emb, p, seed=2)
    b = scalable.cluster_at_scale(emb, p, seed=2)
    assert np.array_equal(a.labels, b.labels)
    assert np.array_equal(a.probabilities, b.probabilities)
    assert len(set(a.labels.tolist()) - {-1}) <= 4


def test_when_stability_runs_at_scale_then_runs_cover_every_segment_and_agree():
    emb = blobs(100, 5, noise=0.1)
    p = params(fit_segments=200)
    first = scalable.cluster_at_scale(emb, p, seed=0).labels
    runs = scalable.seed_runs_at_scale(emb, p, first)
    assert len(runs) == p.stability_seeds
    # every segment, so the caller can carve finer themes into each run by segment
    assert all(len(r) == len(emb) for r in runs)
    from pipeline.topics.stability import stability_ari

    assert stability_ari(runs) > 0.9


@pytest.mark.parametrize(("sample_seed", "drawn_with"), [(None, 1), (0, 0)])
def test_when_a_sample_seed_is_given_then_the_fit_sample_is_drawn_with_it(
    monkeypatch, sample_seed, drawn_with
):
    seeds = []
    real = scalable.fit_sample

    def spy(n, size, seed):
        seeds.append(seed)
        return real(n, size, seed)

    monkeypatch.setattr(scalable, "fit_sample", spy)
    emb = blobs(100, 5, noise=0.3)
    p = params(fit_segments=200, max_topics=4, min_topics=2)
    scalable.cluster_at_scale(emb, p, seed=1, sample_seed=sample_seed)
    assert seeds == [drawn_with]


def test_when_stability_runs_at_scale_then_every_seed_fits_the_main_sample(monkeypatch):
    seeds = []
    real = scalable.fit_sample
    monkeypatch.setattr(
        scalable, "fit_sample", lambda n, s, seed: seeds.append(seed) or real(n, s, seed)
    )
    emb = blobs(100, 5, noise=0.1)
    p = params(fit_segments=200)
    scalable.seed_runs_at_scale(emb, p, np.zeros(len(emb), dtype=np.int64))
    assert seeds == [p.seed] * (p.stability_seeds - 1)


@pytest.mark.parametrize(("n", "applies"), [(99, False), (100, True)])
def test_when_below_min_segments_then_exact_path(n, applies):
    assert scalable.applies(n, params()) is applies


def test_when_sample_defaults_then_the_sample_corpus_stays_on_the_exact_path():
    # the sample keeps 2,230 of its 2,599 segments for topics
    assert not scalable.applies(2_599, TopicsParams())


@pytest.mark.parametrize("steps", [1, 5])
def test_when_refining_then_a_misplaced_segment_moves_and_outliers_stay(steps):
    emb = blobs(20, 2, seed=5, noise=0.01)
    labels = np.repeat([0, 1], 20)
    labels[3] = 1  # a segment of the first group placed in the second
    labels[25] = -1
    out = scalable.refine(emb, labels, steps)
    assert out[3] == out[0] != out[30]
    assert out[25] == -1


def test_when_refining_zero_steps_then_topics_unchanged():
    emb = blobs(10, 3)
    labels = np.repeat([0, 1, 2], 10)
    labels[0] = 2
    assert np.array_equal(scalable.refine(emb, labels, 0), _relabel_by_size(labels))


def test_when_defaults_then_large_corpora_take_the_consensus():
    assert TopicsScaleParams().clustering == "consensus"


@pytest.mark.parametrize("seed", [0, 3])
def test_when_groups_are_clear_then_the_consensus_finds_them(seed):
    from sklearn.metrics import adjusted_rand_score

    emb = blobs(40, 5, noise=0.1)
    labels = scalable.consensus_topics(emb, 5, runs=8, seed=seed)
    assert adjusted_rand_score(truth(40, 5), labels) == 1.0
    # numbered by size, no outliers
    assert sorted(set(labels.tolist())) == list(range(5))


def test_when_consensus_runs_twice_then_same_topics():
    emb = blobs(50, 6, noise=0.6)
    a = scalable.consensus_topics(emb, 4, runs=6, seed=1)
    b = scalable.consensus_topics(emb, 4, runs=6, seed=1)
    assert np.array_equal(a, b)


def test_when_one_kmeans_fit_varies_with_its_seed_then_the_consensus_varies_less():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    # overlapping groups at a count that does not match them: single fits disagree
    emb = blobs(60, 7, noise=0.9, seed=4)
    single = [KMeans(4, n_init=1, random_state=s).fit(emb).labels_ for s in range(4)]
    agreed = [scalable.consensus_topics(emb, 4, runs=20, seed=s) for s in range(4)]
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    single_ari = np.mean([adjusted_rand_score(single[i], single[j]) for i, j in pairs])
    agreed_ari = np.mean([adjusted_rand_score(agreed[i], agreed[j]) for i, j in pairs])
    assert agreed_ari > single_ari


def test_when_clustering_at_scale_by_consensus_then_cap_topics_every_segment_placed():
    emb = np.vstack([blobs(10, 8, seed=0, noise=0.2) for _ in range(20)])
    p = params(fit_segments=300, min_topics=2, max_topics=5, clustering="consensus")
    p = p.model_copy(update={"outlier_threshold": -1.0})
    out = scalable.cluster_at_scale(emb, p, seed=0)
    assert out.method == scalable.CONSENSUS
    assert len(set(out.labels.tolist())) == scalable.topic_cap(len(emb), p) == 5
    assert out.settings["consensus_runs"] == p.scale.consensus_runs
    assert out.settings["neighbours"] == "none"
    assert ((out.probabilities >= 0) & (out.probabilities <= 1)).all()


def test_when_consensus_runs_below_two_then_params_invalid():
    with pytest.raises(ValidationError, match="consensus_runs"):
        TopicsScaleParams(consensus_runs=1)
