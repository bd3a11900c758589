"""Code stage calibration: fitted and cross-fitted thresholds, the F1 curve."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.agreement import f1
from pipeline.coding import calibration as C
from pipeline.params import CodeParams


def test_when_thresholds_fitted_then_they_separate_positive_turns():
    scores = np.array([[0.8], [0.7], [0.3], [0.2]], dtype=np.float32)
    gold = np.array([[True], [True], [False], [False]])
    params = CodeParams(min_positives=1, grid_min=0.0, grid_max=1.0, relative=None)
    thr, f1 = C.fit_thresholds(scores, gold, params)
    assert 0.3 < thr[0] <= 0.7 and f1 == 1.0


def test_when_code_has_few_positives_then_it_gets_the_global_threshold():
    scores = np.array([[0.8, 0.9], [0.7, 0.1], [0.3, 0.2], [0.2, 0.1]], dtype=np.float32)
    gold = np.array([[True, True], [True, False], [False, False], [False, False]])
    params = CodeParams(min_positives=2, grid_min=0.0, grid_max=1.0, relative=None)
    thr, _ = C.fit_thresholds(scores, gold, params)
    assert thr[1] == thr[0] or np.isclose(thr[1], thr[0])


def test_when_cross_fitted_then_each_interview_gets_thresholds_learned_elsewhere():
    # interview A's turns are all positive at 0.9; B's at 0.5; C's at 0.2 and negative
    scores = np.array([[0.9], [0.5], [0.2], [0.3]], dtype=np.float32)
    gold = np.array([[True], [True], [False], [False]])
    interviews = np.array(["A", "B", "C", "D"])
    params = CodeParams(min_positives=1, grid_min=0.0, grid_max=1.0, folds=4, relative=None, seed=0)
    thr, floors = C.cross_fit_thresholds(scores, interviews, gold, params)
    assert np.isneginf(floors).all()  # no uncoded competitor
    # B is coded with a threshold fitted on A, C and D: between D's 0.3 and A's 0.9
    assert 0.3 < thr[1, 0] <= 0.9
    assert thr.shape == scores.shape


@pytest.mark.parametrize(
    ("values", "positive"),
    [
        ([0.1, 0.5, 0.9, 0.5], [False, True, True, False]),
        ([1.0, 1.0, 1.0], [True, False, True]),
        ([-np.inf, 0.2, 3.0], [True, True, False]),  # masked scores never predicted
        ([0.3, 0.4], [False, False]),  # no positives: F1 0 everywhere
    ],
)
def test_when_f1_curve_computed_then_it_equals_brute_force(values, positive):
    grid = np.round(np.arange(-0.5, 3.5, 0.05), 4)
    v, g = np.array(values), np.array(positive)
    brute = [f1(v >= t, g) for t in grid]
    np.testing.assert_allclose(C.f1_curve(v, g, grid), brute, atol=1e-12)


def _partly_reviewed():
    """10 interviews x 6 turns, one code: positives score 1.8-2.5, negatives -1-0.5.

    The reviewer coded three turns of each interview, among them its clearest positive
    (2.5); its two other positives (1.8) were never looked at.
    """
    interviews = np.repeat([f"I{i}" for i in range(10)], 6)
    positive = np.tile([True, False, True, False, True, False], 10)
    reviewed = np.tile([True, True, False, True, False, False], 10)
    scores = np.where(
        positive, np.where(reviewed, 2.5, 1.8), np.tile([0, -1.0, 0, 0.5, 0, -0.5], 10)
    ).astype(np.float32)[:, None]
    return scores, interviews, positive[:, None], reviewed


@pytest.mark.parametrize(
    ("use_mask", "expected_recall"),
    [(True, 1.0), (False, 1 / 3)],  # unreviewed positives taken as negatives: all missed
)
def test_when_sheet_partly_reviewed_then_unreviewed_turns_are_not_negatives(
    use_mask, expected_recall
):
    scores, interviews, positive, reviewed = _partly_reviewed()
    params = CodeParams(folds=5, relative=None)
    thr, _ = C.cross_fit_thresholds(
        scores,
        interviews,
        positive & reviewed[:, None],
        params,
        None,
        reviewed if use_mask else None,
    )
    decided = scores >= thr
    assert (decided & positive).sum() / positive.sum() == expected_recall
    assert not (decided & ~positive).any()
    if use_mask:  # unreviewed turns: thresholds learned on every reviewed turn
        assert len(set(thr[~reviewed, 0].tolist())) == 1


@pytest.mark.parametrize(
    ("prior", "n_turns", "expected_threshold", "expected_bias"),
    [
        (None, 500, 1.0, 1.0),  # off: a review never moves the zero-shot settings
        (100.0, 0, 1.0, 1.0),  # nothing reviewed: the zero-shot settings
        (100.0, 100, 2.0, 0.5),  # as many turns as the prior: halfway
        (0.0, 10, 3.0, 0.0),  # no prior: the fitted settings
    ],
)
def test_when_settings_shrunk_then_they_move_with_reviewed_turns(
    prior, n_turns, expected_threshold, expected_bias
):
    params = CodeParams(review_prior_turns=prior, default_threshold=1.0, uncoded_bias=1.0)
    thr, bias = C.shrink_to_default(np.array([3.0, 3.0]), 0.0, n_turns, params)
    np.testing.assert_allclose(thr, [expected_threshold] * 2, atol=1e-6)
    assert bias == pytest.approx(expected_bias)


@pytest.mark.parametrize(
    ("partial", "prior", "moves_to_fit"),
    [
        (False, 100.0, True),  # every turn human-coded: a comparison, fitted as before
        (True, None, False),  # a partial review with shrinkage off: zero-shot threshold
        (True, 100.0, False),  # a partial review of 30 turns: mostly the zero-shot threshold
        (True, 0.0, True),  # a partial review with no prior: the fitted threshold
    ],
)
def test_when_review_partial_then_few_reviewed_turns_do_not_override_zero_shot(
    partial, prior, moves_to_fit
):
    scores, interviews, positive, reviewed = _partly_reviewed()
    params = CodeParams(folds=5, relative=None, review_prior_turns=prior, default_threshold=-2.0)
    mask = reviewed if partial else None
    gold = positive & reviewed[:, None] if partial else positive
    thr, _ = C.cross_fit_thresholds(scores, interviews, gold, params, None, mask)
    fitted = thr[reviewed, 0].min() > 0.5  # the fit separates negatives (<= 0.5)
    assert fitted == moves_to_fit
