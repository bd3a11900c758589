"""Code stage scoring: pooled turns, turn scores, competition and decisions."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.coding import scoring as C
from pipeline.params import CodeParams


def test_when_segments_pooled_then_one_unit_vector_per_turn():
    emb = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    pooled = C.pool_turns(emb, np.array([0, 0, 1]), 2)
    np.testing.assert_allclose(pooled, [[2**-0.5, 2**-0.5], [1, 0]], rtol=1e-6)


@pytest.mark.parametrize(
    ("scores", "threshold", "relative", "expected"),
    [
        ([[2.0, 0.0]], 1.0, None, [[True, False]]),  # above threshold
        ([[2.0, 1.5]], 1.0, None, [[True, True]]),  # both above, no competition
        ([[2.0, 1.5]], 1.0, 0.2, [[True, False]]),  # the second is too far from the best
        ([[2.0, 1.9]], 1.0, 0.2, [[True, True]]),  # close enough to compete
        ([[0.5, 0.4]], 1.0, 1.0, [[False, False]]),  # best code below its threshold
    ],
)
def test_when_turn_scores_decided_then_threshold_and_competition_apply(
    scores, threshold, relative, expected
):
    dec = C.decide(np.array(scores), np.array([threshold, threshold]), relative)
    assert dec.tolist() == expected


@pytest.mark.parametrize(
    ("hits", "centre", "expected"),
    [
        ([[0, 0]], False, [[1.0, -1.0]]),  # z-scores over the two turns only
        ([[1, 0]], False, [[1.0 + 0.5 * np.log(2), -1.0]]),  # a keyword hit adds weight*log 2
        ([[0, 0]], True, [[1.0, -1.0]]),  # centring a symmetric row changes nothing
    ],
)
def test_when_turn_scores_built_then_z_plus_keyword_term(hits, centre, expected):
    semantic = np.array([[0.9, 0.1], [0.1, 0.9]], dtype=np.float32)
    hits_m = np.vstack([np.array(hits, dtype=np.float32), np.zeros((1, 2), dtype=np.float32)])
    out = C.turn_scores(semantic, hits_m, CodeParams(centre=centre, keyword_weight=0.5))
    if not centre:
        np.testing.assert_allclose(out[:1], expected, rtol=1e-5)
    else:
        np.testing.assert_allclose(out[0].sum(), 0.0, atol=1e-5)


def test_when_no_semantic_coder_then_turn_score_is_keyword_term():
    out = C.turn_scores(None, np.array([[3.0, 0.0]]), CodeParams(keyword_weight=1.0))
    np.testing.assert_allclose(out, [[np.log(4.0), 0.0]], rtol=1e-6)


@pytest.mark.parametrize(
    ("scores", "floor", "expected"),
    [
        ([[2.0, 1.5]], None, [[True, True]]),
        ([[2.0, 1.5]], [3.5], [[False, False]]),  # the uncoded competitor wins the turn
        ([[2.0, 1.5]], [2.8], [[True, False]]),  # only the best code is close enough
        ([[2.0, 1.5]], [0.0], [[True, True]]),  # a low floor changes nothing
    ],
)
def test_when_uncoded_floor_given_then_codes_must_compete_with_it(scores, floor, expected):
    fl = None if floor is None else np.array(floor)
    assert C.competition(np.array(scores), 1.0, fl).tolist() == expected


def test_when_segments_pooled_with_keep_then_dropped_segments_do_not_count():
    emb = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    pooled = C.pool_turns(emb, np.array([0, 0, 1]), 2, keep=np.array([False, True, False]))
    np.testing.assert_allclose(pooled, [[0, 1], [0, 0]], atol=1e-7)


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        # code 0 matches 1 of 4 turns, code 1 matches 3 of 4: the rarer list weighs more, mean 1
        (
            [[1, 1], [0, 1], [0, 1], [0, 0]],
            np.array([np.log(5 / 2), np.log(5 / 4)]) / np.mean([np.log(5 / 2), np.log(5 / 4)]),
        ),
        ([[1, 0], [1, 0]], [1.0, 1.0]),  # a code that never matches gets 1; one code: 1
        ([[0, 0]], [1.0, 1.0]),  # nothing matches
    ],
)
def test_when_keyword_specificity_measured_then_rare_keyword_lists_weigh_more(hits, expected):
    out = C.keyword_specificity(np.array(hits, dtype=np.float32))
    np.testing.assert_allclose(out, expected, rtol=1e-6)


@pytest.mark.parametrize(("specificity", "lifted"), [(True, True), (False, False)])
def test_when_keyword_specificity_on_then_a_rare_hit_outweighs_a_common_one(specificity, lifted):
    semantic = np.zeros((4, 2), dtype=np.float32)
    hits = np.array([[1, 1], [0, 1], [0, 1], [0, 0]], dtype=np.float32)
    params = CodeParams(keyword_specificity=specificity, centre=False)
    out = C.turn_scores(semantic, hits, params)
    assert bool(out[0, 0] > out[0, 1]) is lifted


def test_when_rows_given_then_z_scores_are_measured_on_them_only():
    scores = np.array([[1.0], [3.0], [-100.0]], dtype=np.float32)
    out = C.standardise(scores, rows=np.array([True, True, False]))
    np.testing.assert_allclose(out[:2, 0], [-1.0, 1.0], rtol=1e-6)
