"""Topics: the finer themes the codebook covers least are carved out as emergent topics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.params import TopicsParams
from pipeline.topics import fine as F


def _segments(turns):
    return pd.DataFrame(
        {
            "segment_id": [f"A-{i:04d}" for i in range(len(turns))],
            "interview_id": ["A"] * len(turns),
            "turn_index": np.asarray(turns, dtype="int32"),
            "text": ["x"] * len(turns),
        }
    )


def _vectors(rows):
    return pd.DataFrame(
        {"kind": [k for k, _ in rows], "vector": [np.asarray(v, np.float32) for _, v in rows]}
    )


def test_when_turn_vectors_then_one_unit_mean_per_turn_in_order_of_appearance():
    seg = _segments([3, 3, 1])
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    of_segment, vectors = F.turn_vectors(seg, emb)
    assert of_segment.tolist() == [0, 0, 1]
    np.testing.assert_allclose(vectors, [[0.707107, 0.707107], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("cover", "share", "expected"),
    [
        ({0: 0.9, 1: 0.2, 2: 0.5}, 0.34, [1]),  # a third of three: the least covered
        ({0: 0.9, 1: 0.2, 2: 0.5}, 0.67, [1, 2]),
        ({0: 0.9}, 0.1, [0]),  # at least one when there is any theme
        ({0: 0.5, 1: 0.5}, 0.5, [0]),  # ties: the lower id
        ({}, 0.5, []),
        ({0: 0.1}, 0.0, []),
    ],
)
def test_when_least_covered_then_the_share_farthest_from_the_codes(cover, share, expected):
    assert F.least_covered(cover, share) == expected


def test_when_coverage_then_centroid_cosine_to_nearest_material_outliers_skipped():
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    labels = np.array([0, 0, -1])
    material = np.array([[0.6, 0.8], [0.0, 1.0]])
    assert F.coverage(vectors, labels, material) == {0: 0.6}


def test_when_code_material_then_uncoded_examples_left_out():
    cv = _vectors([("definition", [1.0, 0.0]), ("uncoded", [0.0, 1.0])])
    np.testing.assert_allclose(F.code_material(cv), [[1.0, 0.0]])


@pytest.mark.parametrize(
    ("share", "vectors"),
    [
        (0.0, _vectors([("definition", [1.0, 0.0])])),  # switched off
        (0.5, None),  # no codebook vectors: no coverage to rank by
        (0.5, _vectors([("uncoded", [1.0, 0.0])])),  # no code material
    ],
)
def test_when_no_share_or_no_material_then_labels_unchanged(share, vectors):
    labels = np.array([0, 0, 1, 1])
    out = F.carve(
        labels,
        _segments([1, 2, 3, 4]),
        np.eye(4, 2),
        vectors,
        TopicsParams(fine_emergent_share=share),
        0,
    )
    assert out.labels.tolist() == labels.tolist()
    assert out.coverage == {}


def test_when_theme_carved_then_its_turns_get_a_new_topic_and_ids_stay_contiguous(monkeypatch):
    # turns 1-2 are main topic 0 and a finer theme far from the code: carved out, topic 0 goes
    emb = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    seg = _segments([1, 2, 3, 4, 4])
    monkeypatch.setattr(F, "fine_clusters", lambda v, p, s: np.array([0, 0, 1, -1]))
    cv = _vectors([("definition", [1.0, 0.0])])
    params = TopicsParams(fine_emergent_share=0.5, fine_min_floor=2)
    out = F.carve(np.array([0, 0, 1, 1, -1]), seg, emb, cv, params, 0)
    assert out.labels.tolist() == [1, 1, 0, 0, -1]
    assert out.coverage == {1: 0.0}
    assert out.n_themes == 2


def test_when_too_few_turns_then_no_finer_themes():
    params = TopicsParams(fine_min_turns=30)
    assert F.fine_clusters(np.eye(10, 4), params, 0).tolist() == [-1] * 10


@pytest.mark.parametrize(
    ("labels", "other", "expected"),
    [
        ([0, 0, 1, 1], [5, 5, 6, 6], {0: 1.0, 1: 1.0}),  # same themes, other ids
        ([0, 0, 1, 1], [5, 5, 5, 6], {0: 0.666667, 1: 0.5}),
        ([0, 0, -1, 1], [-1, -1, 2, 2], {0: 0.0, 1: 0.5}),  # theme 0 not found again
    ],
)
def test_when_agreement_then_each_theme_gets_its_best_jaccard(labels, other, expected):
    assert F.agreement(np.array(labels), np.array(other)) == expected


@pytest.mark.parametrize(
    ("seeds", "expected"),
    [
        (1, [0, 0, 1, 1, -1]),  # no check: every theme kept
        (2, [0, 0, -1, -1, -1]),  # seed 1 splits theme 1 apart: only theme 0 kept
    ],
)
def test_when_a_theme_moves_with_the_seed_then_it_is_not_carved(monkeypatch, seeds, expected):
    per_seed = {0: [0, 0, 1, 1, -1], 1: [3, 3, 4, 5, 5]}
    monkeypatch.setattr(F, "fine_clusters", lambda v, p, s: np.array(per_seed[s]))
    params = TopicsParams(fine_stability_seeds=seeds, fine_min_agreement=0.6, fine_meet=False)
    labels, found = F.stable_clusters(np.eye(5, 3), params, 0)
    assert labels.tolist() == expected
    assert found == 2


@pytest.mark.parametrize(
    ("clusterings", "min_size", "expected"),
    [
        ([[0, 0, 1, 1]], 2, [0, 0, 1, 1]),  # one clustering: itself
        ([[0, 0, 1, 1], [7, 7, 8, 8]], 2, [0, 0, 1, 1]),  # same groups, other ids
        ([[0, 0, 0, 0], [5, 5, 6, 6]], 2, [0, 0, 1, 1]),  # a split in one seed splits the theme
        ([[0, 0, 0, -1], [1, 1, 1, 1]], 2, [0, 0, 0, -1]),  # in no theme for one seed: in none
        ([[0, 0, 0, 1], [2, 2, 3, 3]], 2, [0, 0, -1, -1]),  # groups smaller than min_size go
        ([[1, 0, 1, 0], [4, 3, 4, 3]], 1, [0, 1, 0, 1]),  # numbered by first turn
    ],
)
def test_when_meet_then_groups_every_clustering_puts_together(clusterings, min_size, expected):
    out = F.meet([np.array(c) for c in clusterings], min_size)
    assert out.tolist() == expected


@pytest.mark.parametrize(
    ("seeds", "expected"),
    [
        (1, [0, 0, 0, 1, 1, 1, -1]),  # one seed: its themes
        (2, [0, 0, -1, 1, 1, 1, -1]),  # seed 1 moves turn 2 away: the rest of theme 0 stays
        (3, [-1, -1, -1, 0, 0, 0, -1]),  # seed 2 splits theme 0 into groups below the minimum
    ],
)
def test_when_fine_meet_then_themes_are_what_every_seed_puts_together(monkeypatch, seeds, expected):
    per_seed = {
        0: [0, 0, 0, 1, 1, 1, -1],
        1: [4, 4, 5, 5, 5, 5, 5],
        2: [7, 8, 8, 9, 9, 9, 9],
    }
    calls = []

    def fake(v, p, s):
        calls.append(s)
        return np.array(per_seed[s])

    monkeypatch.setattr(F, "fine_clusters", fake)
    params = TopicsParams(fine_stability_seeds=seeds, fine_min_floor=2, fine_min_share=0.0)
    memo: dict = {}
    labels, found = F.stable_clusters(np.eye(7, 3), params, 0, memo)
    assert labels.tolist() == expected
    assert found == 2
    F.stable_clusters(np.eye(7, 3), params, 0, memo)  # the memo keeps the clusterings
    assert calls == list(range(seeds))


@pytest.mark.parametrize(
    ("turns", "seed", "shared", "expected"),
    [
        (40, 0, True, list(range(0, 7))),  # main seed, shared memo: the stability carves' too
        (40, 0, False, list(range(0, 5))),  # no memo to share: only this call's seeds
        (40, 2, True, list(range(2, 7))),  # a stability seed: its own seeds
        (10, 0, True, []),  # too few turns: no finer themes, nothing fitted
    ],
)
def test_when_stable_clusters_then_the_seeds_it_will_use_are_fitted_together(
    monkeypatch, turns, seed, shared, expected
):
    batches: list[list[int]] = []

    def plain_map(fn, items, jobs=None):
        batches.append(list(items))
        return [fn(x) for x in batches[-1]]

    monkeypatch.setattr(F, "forked_map", plain_map)
    monkeypatch.setattr(F, "fine_clusters", lambda v, p, s: np.full(len(v), -1))
    params = TopicsParams(stability_seeds=3, fine_stability_seeds=5, fine_min_turns=30)
    memo: dict | None = {} if shared else None
    F.stable_clusters(np.eye(turns, 3), params, seed, memo)
    assert batches == ([expected] if expected else [])
    if shared and expected:
        assert sorted(memo) == expected


@pytest.mark.parametrize(
    ("fine", "basis", "starts"),
    [
        ({}, "coverage", "0% of its 4 segments carry a code"),
        ({1: 0.53}, "finer theme", "a finer theme among those the codebook covers least"),
    ],
)
def test_when_emergent_table_built_then_basis_names_the_rule(fine, basis, starts):
    from pipeline.topics.tables import TOPIC_COLUMNS, emergent_table

    row = dict.fromkeys(TOPIC_COLUMNS, 0) | {
        "topic_id": 1,
        "label": "x",
        "keywords": "x",
        "n_segments": 4,
        "n_interviews": 2,
        "top_code_id": "a",
        "top_code_share": 0.0,
        "coded_share": 0.0,
        "emergent": True,
    }
    table = emergent_table(pd.DataFrame([row]), TopicsParams(), {"a": "A"}, fine)
    assert table["basis"].tolist() == [basis]
    assert table["reason"].iloc[0].startswith(starts)
