"""SupervisedCoder on small synthetic data (no embedding model is loaded)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pipeline.coding.supervised import (
    SupervisedCoder,
    _halves,
    best_threshold,
    blend_candidates,
    choose_calibration,
    global_threshold,
    knn_proba,
    macro_f1,
    mix,
    shrunk_thresholds,
)

CODES = ["food", "staff", "wait"]
WORDS = {
    "food": ["meal", "lunch", "tasty", "dinner"],
    "staff": ["nurse", "kind", "friendly", "doctor"],
    "wait": ["waiting", "delay", "hours", "late"],
}
FILLER = ["the", "was", "very", "today", "really", "and", "it", "visit"]


def make_data(n: int = 120, seed: int = 0, dim: int = 16):
    """Texts, embeddings and labels where each code has its own words and embedding direction."""
    centres = np.random.default_rng(1234).normal(size=(len(CODES), dim))
    rng = np.random.default_rng(seed)
    texts, embs, labels, groups = [], [], [], []
    for i in range(n):
        k = 1 + int(rng.random() < 0.3)
        chosen = set(rng.choice(CODES, size=k, replace=False).tolist())
        words = list(rng.choice(FILLER, size=3))
        vec = rng.normal(scale=0.3, size=dim)
        for j, code in enumerate(CODES):
            if code in chosen:
                words += list(rng.choice(WORDS[code], size=2))
                vec += centres[j]
        rng.shuffle(words)
        texts.append(" ".join(words))
        embs.append(vec / np.linalg.norm(vec))
        labels.append(chosen)
        groups.append(f"R{i // 2}")
    return texts, np.asarray(embs, dtype=np.float32), labels, groups


def f1(gold, pred, code):
    tp = sum(1 for g, p in zip(gold, pred) if code in g and code in p)
    n = sum(code in g for g in gold) + sum(code in p for p in pred)
    return 2 * tp / n if n else 0.0


@pytest.fixture(scope="module")
def fitted():
    texts, emb, labels, groups = make_data()
    coder = SupervisedCoder(CODES, C=4.0, seed=0, n_splits=3).fit(texts, emb, labels, groups)
    return coder, (texts, emb, labels)


def test_when_codes_are_separable_then_heldout_f1_is_high(fitted):
    coder, _ = fitted
    texts, emb, labels, _ = make_data(n=60, seed=1)
    pred = coder.predict(texts, emb)
    for code in CODES:
        assert f1(labels, pred, code) >= 0.9, code
    assert all(coder.cv_f1_[c] >= 0.85 for c in CODES)


def test_when_fitted_then_each_code_has_a_threshold_in_the_open_unit_interval(fitted):
    coder, _ = fitted
    assert set(coder.thresholds_) == set(CODES)
    assert all(0.0 < t < 1.0 for t in coder.thresholds_.values())
    assert set(coder.cv_f1_) == set(CODES)


def test_when_predicting_then_rows_are_sets_of_known_codes(fitted):
    coder, (texts, emb, _) = fitted
    pred = coder.predict(texts[:20], emb[:20])
    assert len(pred) == 20
    assert all(isinstance(p, set) and p <= set(CODES) for p in pred)
    proba = coder.predict_proba(texts[:20], emb[:20])
    assert proba.shape == (20, len(CODES))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert coder.predict_proba([], emb[:0]).shape == (0, len(CODES))
    assert coder.predict([], emb[:0]) == []


def test_when_fitted_twice_on_same_inputs_then_outputs_are_identical():
    texts, emb, labels, groups = make_data(n=80, seed=3)
    a = SupervisedCoder(CODES, seed=7, n_splits=3).fit(texts, emb, labels, groups)
    b = SupervisedCoder(CODES, seed=7, n_splits=3).fit(texts, emb, labels, groups)
    assert a.thresholds_ == b.thresholds_
    assert a.cv_f1_ == b.cv_f1_
    np.testing.assert_array_equal(a.predict_proba(texts, emb), b.predict_proba(texts, emb))
    assert a.predict(texts, emb) == b.predict(texts, emb)


def test_when_no_groups_then_shuffled_kfold_is_used_and_deterministic():
    texts, emb, labels, _ = make_data(n=60, seed=4)
    a = SupervisedCoder(CODES, seed=1, n_splits=3).fit(texts, emb, labels)
    b = SupervisedCoder(CODES, seed=1, n_splits=3).fit(texts, emb, labels)
    np.testing.assert_array_equal(a.oof_proba_, b.oof_proba_)


def test_when_a_code_has_one_positive_then_threshold_is_half_and_warned(caplog):
    texts, emb, labels, groups = make_data(n=60, seed=5)
    labels = [set(x) for x in labels]
    labels[0].add("rare")
    codes = [*CODES, "rare"]
    with caplog.at_level(logging.WARNING, logger="pipeline.coding.supervised"):
        coder = SupervisedCoder(codes, n_splits=3).fit(texts, emb, labels, groups)
    assert coder.thresholds_["rare"] == 0.5
    assert coder.n_positive_["rare"] == 1
    assert any("rare" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert all(p <= set(codes) for p in coder.predict(texts, emb))


def test_when_a_code_has_no_positive_then_it_is_never_predicted(caplog):
    texts, emb, labels, groups = make_data(n=60, seed=6)
    with caplog.at_level(logging.WARNING, logger="pipeline.coding.supervised"):
        coder = SupervisedCoder([*CODES, "absent"], n_splits=3).fit(texts, emb, labels, groups)
    assert coder.thresholds_["absent"] == 0.5
    assert not any("absent" in p for p in coder.predict(texts, emb))


def test_when_no_code_reaches_threshold_then_fallback_assigns_best_ratio_code(fitted):
    coder, _ = fitted
    proba = np.array([[0.01, 0.01, 0.01], [0.0, 0.0, 0.0]])
    thr = [coder.thresholds_[c] for c in CODES]
    proba[0, 1] = 0.8 * thr[1]
    assert coder.decide(proba, fallback=True) == [{"staff"}, set()]
    assert coder.decide(proba, fallback=False) == [set(), set()]


def test_when_scores_tie_then_best_threshold_is_the_median_tied_grid_point():
    y = np.array([1, 1, 0, 0])
    proba = np.array([0.9, 0.9, 0.1, 0.1])
    t, f = best_threshold(y, proba)
    assert f == 1.0
    assert 0.1 < t <= 0.9
    assert t == pytest.approx(0.5)


def test_when_unfitted_or_misshaped_then_errors_are_raised():
    coder = SupervisedCoder(CODES)
    with pytest.raises(RuntimeError):
        coder.predict(["x"], np.zeros((1, 4)))
    with pytest.raises(ValueError):
        SupervisedCoder([])
    texts, emb, labels, _ = make_data(n=30)
    with pytest.raises(ValueError):
        SupervisedCoder(CODES, n_splits=3).fit(texts, emb[:-1], labels)


# -- threshold shrinkage and calibration choice ------------------------------------------------

# y (2 codes) and scores: code 0's own best threshold is 0.8, the global one is 0.5.
Y_SHRINK = np.array([[1, 0], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0]], dtype=bool)
P_SHRINK = np.array([[0.85, 0.1], [0.9, 0.6], [0.6, 0.55], [0.2, 0.7], [0.7, 0.2], [0.1, 0.3]])


@pytest.mark.parametrize(
    ("shrinkage", "expect_between"),
    [
        (0.0, "own"),
        (1e6, "global"),
        (2.0, "between"),
    ],
)
def test_when_shrinkage_varies_then_thresholds_move_from_own_to_global(shrinkage, expect_between):
    own = np.array([best_threshold(Y_SHRINK[:, j], P_SHRINK[:, j])[0] for j in range(2)])
    glob = global_threshold(Y_SHRINK, P_SHRINK)
    got = shrunk_thresholds(Y_SHRINK, P_SHRINK, shrinkage)
    if expect_between == "own":
        np.testing.assert_allclose(got, own)
    elif expect_between == "global":
        np.testing.assert_allclose(got, glob, atol=1e-3)
    else:
        lo, hi = np.minimum(own, glob), np.maximum(own, glob)
        assert ((got >= lo - 1e-9) & (got <= hi + 1e-9)).all()
        assert not np.allclose(got, own) or np.allclose(own, glob)


def test_when_a_code_has_no_positive_then_its_shrunk_threshold_is_not_its_own_guess():
    y = np.array([[1, 0], [0, 0], [1, 0]], dtype=bool)
    p = np.array([[0.9, 0.99], [0.1, 0.98], [0.8, 0.97]])
    got = shrunk_thresholds(y, p, 5.0)
    assert got[1] == pytest.approx(global_threshold(y, p))
    assert shrunk_thresholds(y, p, 0.0)[1] == 0.5


def test_when_macro_f1_is_scored_then_codes_absent_from_gold_and_predictions_are_skipped():
    y = np.array([[1, 0, 0], [0, 1, 0]], dtype=bool)
    assert macro_f1(y, y.copy()) == 1.0
    pred = np.array([[1, 0, 1], [0, 0, 0]], dtype=bool)
    # code 0: 1.0, code 1: 0.0 (missed), code 2: 0.0 (predicted, absent); mean 1/3
    assert macro_f1(y, pred) == pytest.approx(1 / 3)
    assert macro_f1(np.zeros((2, 2), bool), np.zeros((2, 2), bool)) == 0.0


def test_when_units_are_halved_then_each_group_stays_on_one_side_and_both_sides_are_used():
    groups = [f"g{i // 3}" for i in range(60)]
    halves = _halves(groups, seed=0)
    for g in set(groups):
        assert len({int(h) for h, gg in zip(halves, groups) if gg == g}) == 1
    assert set(halves.tolist()) == {0, 1}
    np.testing.assert_array_equal(halves, _halves(groups, seed=0))


def test_when_the_second_member_is_better_then_calibration_blends_it_in():
    rng = np.random.default_rng(0)
    y = rng.random((200, 3)) < 0.3
    noisy = np.clip(y * 0.3 + rng.random((200, 3)) * 0.7, 0, 1)  # weak
    sharp = np.clip(y * 0.8 + rng.random((200, 3)) * 0.2, 0, 1)  # strong
    halves = _halves([str(i // 2) for i in range(200)], seed=0)
    weights, _, rows = choose_calibration(y, noisy, {"knn": sharp}, halves)
    assert weights["knn"] > 0.0
    assert sorted(r["weights"]["knn"] for r in rows if r["shrinkage"] == 0.0) == [
        0.0,
        0.25,
        0.5,
        0.75,
    ]
    weights, shrink, rows = choose_calibration(y, noisy, {}, halves, shrinkages=(0.0, 5.0))
    assert weights == {} and shrink in (0.0, 5.0) and len(rows) == 2


@pytest.mark.parametrize(
    ("members", "n_candidates"),
    [([], 1), (["knn"], 4), (["finetuned", "knn"], 10)],
)
def test_when_members_are_enabled_then_candidate_weights_leave_the_linear_models_a_quarter(
    members, n_candidates
):
    got = blend_candidates(members)
    assert len(got) == n_candidates
    assert all(set(c) == set(members) and sum(c.values()) <= 0.75 for c in got)


def test_when_members_are_mixed_then_weights_apply_and_the_linear_models_get_the_rest():
    lin, other = np.full((2, 2), 0.2), np.full((2, 2), 0.6)
    np.testing.assert_allclose(mix(lin, {"knn": other}, {"knn": 0.25}), 0.3)
    np.testing.assert_allclose(mix(lin, {}, {}), 0.2)


@pytest.mark.parametrize(
    ("k", "expect"),
    [(1, [1.0, 0.0]), (2, [0.5, 0.5])],
)
def test_when_knn_scores_then_they_are_the_neighbours_weighted_codes(k, expect):
    train = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    y = np.array([[1, 0], [0, 1], [0, 1]])
    # the query is closest to unit 0, equally close to units 1 and 2 after it
    got = knn_proba(train, y, np.array([[1.0, 0.2]]), k=k, temperature=0.0)
    np.testing.assert_allclose(got[0], expect)
    assert knn_proba(train, y, np.zeros((0, 2))).shape == (0, 2)


def test_when_the_knn_member_is_enabled_then_it_is_scored_and_can_be_blended():
    texts, emb, labels, groups = make_data(n=90, seed=9)
    coder = SupervisedCoder(CODES, n_splits=3, knn={"k": 5}).fit(texts, emb, labels, groups)
    assert set(coder.oof_members_) == {"linear", "knn"}
    assert {tuple(r["weights"]) for r in coder.calibration_} == {("knn",)}
    fixed = SupervisedCoder(CODES, n_splits=3, knn={"k": 5}, blend={"knn": 0.5}).fit(
        texts, emb, labels, groups
    )
    assert fixed.blend_ == {"knn": 0.5}
    p_fixed = fixed.predict_proba(texts[:5], emb[:5])
    lin = SupervisedCoder(CODES, n_splits=3, blend={}).fit(texts, emb, labels, groups)
    assert not np.allclose(p_fixed, lin.predict_proba(texts[:5], emb[:5]))


def test_when_shrinkage_is_fixed_then_fit_uses_it_and_records_the_choice():
    texts, emb, labels, groups = make_data(n=80, seed=8)
    coder = SupervisedCoder(CODES, n_splits=3, threshold_shrinkage=7.0).fit(
        texts, emb, labels, groups
    )
    assert coder.shrinkage_ == 7.0 and coder.blend_ == {}
    assert [r["shrinkage"] for r in coder.calibration_] == [7.0]
    chosen = SupervisedCoder(CODES, n_splits=3).fit(texts, emb, labels, groups)
    assert len(chosen.calibration_) > 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"threshold_shrinkage": -1.0}, "threshold_shrinkage"),
        ({"blend": {"knn": 0.5}}, "no such member"),
        ({"knn": {}, "blend": {"knn": 1.5}}, "at most 1"),
    ],
)
def test_when_calibration_settings_are_out_of_range_then_value_error_names_them(kwargs, field):
    with pytest.raises(ValueError, match=field):  # field: a word of the message
        SupervisedCoder(CODES, **kwargs)
