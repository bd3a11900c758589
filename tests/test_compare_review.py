"""The review loop's compare side: the batch, honest agreement and the counts' intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import compare as C
from pipeline.evaluator_files.review import Review
from pipeline.params import ReviewParams

CODES = ["a", "b"]


def _turn_scores(margins, machine=None):
    """One code 'a' (threshold 1) scored 1 + margin per turn; 'b' far below."""
    rows = []
    for i, m in enumerate(margins):
        iv = f"I{i // 2}"
        got = (m >= 0) if machine is None else machine[i]
        rows.append((iv, i, "a", 1.0 + m, 1.0, bool(got)))
        rows.append((iv, i, "b", -5.0, 1.0, False))
    return pd.DataFrame(
        rows, columns=["interview_id", "turn_index", "code_id", "score", "threshold", "machine"]
    )


def _frame(rows, cols=("interview_id", "turn_index")):
    return pd.DataFrame(rows, columns=list(cols)).astype({"turn_index": "int64"})


@pytest.mark.parametrize(
    ("batch", "share", "n_random"),
    [(4, 0.0, 0), (4, 0.25, 1), (4, 0.5, 2), (10, 0.2, 2), (3, 0.01, 1)],
)
def test_when_batch_proposed_then_least_margin_first_plus_a_seeded_random_share(
    batch, share, n_random
):
    margins = [3.0, -0.1, 0.05, 2.0, -4.0, 0.5, 1.5, -2.5, 0.0, 0.9]
    turns = C.turn_uncertainty(_turn_scores(margins))
    params = ReviewParams(batch=batch, evaluation_share=share, seed=3)
    out = C.propose_batch(turns, {("I4", 8)}, params)  # turn 8 (margin 0) already reviewed
    assert out["order"].tolist() == list(range(1, min(batch, 9) + 1))
    assert (out.evaluation == "yes").sum() == n_random
    assert 8 not in set(out.turn_index)
    uncertain = out[out.evaluation != "yes"].turn_index.tolist()
    by_margin = sorted((abs(m), i) for i, m in enumerate(margins) if i != 8)
    chosen = [i for _, i in by_margin if i not in set(out[out.evaluation == "yes"].turn_index)]
    assert uncertain == chosen[: len(uncertain)]
    again = C.propose_batch(turns, {("I4", 8)}, params)
    pd.testing.assert_frame_equal(out, again)  # seeded


def test_when_sheet_built_then_one_row_per_turn_and_reviewed_turns_carried_forward():
    ts = _turn_scores([0.5, -0.5, 0.1, -3.0])
    turn_codes = _frame([("I0", 0, "a"), ("I1", 2, "b")], ("interview_id", "turn_index", "code_id"))
    segments = pd.DataFrame(
        {
            "interview_id": ["I0", "I0", "I0", "I1", "I1"],
            "turn_index": [0, 0, 1, 2, 3],
            "segment_index": [1, 0, 0, 0, 0],
            "text": ["second.", "First", "x", "y", "z"],
        }
    )
    review = Review(
        _frame([("I1", 2, "b")], ("interview_id", "turn_index", "code_id")),
        _frame([("I1", 2)]),
        _frame([("I1", 2)]),
    )
    sheet = C.review_sheet(ts, turn_codes, segments, ReviewParams(batch=2), review)
    assert len(sheet) == 4 and sheet.turn_index.tolist()[-1] == 2  # reviewed turn last
    row = sheet.set_index("turn_index").loc[2]
    assert (row.decision, row.source, row.evaluation, row.codes) == ("accept", "review", "yes", "b")
    assert sheet.set_index("turn_index").loc[0, "text"] == "First second."
    assert sheet["order"].notna().sum() == 2


def _review(eval_rows, other_rows):
    """A review: ``rows`` are ``(turn_index, codes)``; interview = I{turn // 2}."""
    rows = eval_rows + other_rows
    codes = [(f"I{t // 2}", t, c) for t, cs in rows for c in cs]
    cols = ("interview_id", "turn_index", "code_id")
    return Review(
        _frame(codes, cols),
        _frame([(f"I{t // 2}", t) for t, _ in rows]),
        _frame([(f"I{t // 2}", t) for t, _ in eval_rows]),
    )


def test_when_reviewer_accepts_machine_codes_then_reported_agreement_does_not_rise():
    machine = [True, True, False, False, True, True, False, False]
    ts = _turn_scores([0.0] * 8, machine)
    evaluation = [(0, ["a"]), (2, ["a"]), (4, [])]  # 1 tp, 1 fn, 1 fp
    alone = C.honest_agreement(ts, C.honest_basis(ts, None, _review(evaluation, [])), CODES)[1]
    accepted = [(1, ["a"]), (3, []), (5, ["a"]), (6, []), (7, [])]  # the machine's own codes
    both = _review(evaluation, accepted)
    summary = C.honest_agreement(ts, C.honest_basis(ts, None, both), CODES)[1]
    assert summary["basis"] == "random evaluation share (cross-fitted)"
    assert summary["n_turns"] == 3 and summary["micro_f1"] == alone["micro_f1"] == 0.5
    # measured on every reviewed turn instead, the accepted rows would have inflated it
    inflated = C.compare(C.machine_coding(ts), both.codes, both.turns, CODES)[1]
    assert inflated["micro_f1"] > summary["micro_f1"]


def test_when_no_evaluation_turn_reviewed_then_no_basis():
    ts = _turn_scores([0.0] * 4)
    assert C.honest_basis(ts, None, _review([], [(1, ["a"])])) is None
    assert C.honest_basis(ts, None, None) is None


def _prevalence(machine, review=None, basis_rows=None, **params):
    ts = _turn_scores([0.0] * len(machine), machine)
    final = C.machine_coding(ts)
    reviewed = None
    if review is not None:
        keep = ~final.set_index(["interview_id", "turn_index"]).index.isin(
            list(map(tuple, review.turns.values.tolist()))
        )
        final = pd.concat([final[keep], review.codes], ignore_index=True)
        reviewed = review.turns
    basis = None if basis_rows is None else C.honest_basis(ts, None, basis_rows)
    return C.prevalence(ts, final, reviewed, basis, CODES, ReviewParams(**params))


def test_when_no_basis_then_counts_are_unvalidated_machine_codes():
    prev = _prevalence([True, False, False, False, True, True])
    assert list(prev.columns) == list(C.PREVALENCE_COLUMNS)
    assert prev.interviews.tolist() == [2, 0] and prev.interviews_total.tolist() == [3, 3]
    assert prev.estimate.tolist() == [2.0, 0.0] and prev.lower.isna().all()
    assert not prev.validated.any() and set(prev.basis) == {"unvalidated machine codes"}


def test_when_every_turn_reviewed_then_estimate_and_interval_equal_the_count():
    machine = [True, False, False, False, True, True]
    rows = [(0, ["a"]), (1, []), (2, ["a"]), (3, []), (4, []), (5, [])]
    review = _review(rows, [])
    prev = _prevalence(machine, review, review, bootstrap=50).set_index("code_id")
    assert prev.loc["a", "interviews"] == 2  # I0 and I1 (turn 2 added); I2's code rejected
    assert prev.loc["a", ["estimate", "lower", "upper"]].tolist() == [2.0, 2.0, 2.0]
    assert prev.validated.all()


def test_when_machine_misses_codes_then_estimate_rises_above_the_count_with_an_interval():
    # 20 interviews x 2 turns; the machine finds 'a' on turn 0 of each even interview only;
    # the evaluation share shows it misses a turn with 'a' in an interview where it found none
    # (turn 2 of I1: FOR 1 of 4 there)
    machine = [i % 4 == 0 for i in range(40)]
    evaluation = [(t, ["a"]) for t in (0, 4, 2)] + [(t, []) for t in (3, 6, 7)]
    review = _review(evaluation, [])
    prev = _prevalence(machine, review, review, bootstrap=200, prior_strength=0.0)
    a = prev.set_index("code_id").loc["a"]
    assert a.interviews == 11  # the even interviews and I1 (turn 2 added by the review)
    assert a.estimate > a.interviews + 2 and a.lower <= a.estimate <= a.upper
    assert np.isfinite([a.lower, a.upper]).all()


def test_when_uncertain_batch_shows_misses_then_it_calibrates_the_estimate_too():
    # the machine codes 'a' on no turn; the reviewed batch (not the random share) shows that
    # turns near the threshold have it: those reviewed turns calibrate the other turns
    machine = [False] * 40
    batch = [(t, ["a"]) for t in range(0, 12, 2)] + [(t, []) for t in range(1, 12, 2)]
    review = _review([(13, [])], batch)
    prev = _prevalence(machine, review, review, bootstrap=100)
    a = prev.set_index("code_id").loc["a"]
    assert a.interviews == 6  # the reviewed turns 0, 2, ..., 10 (interviews I0..I5)
    assert a.estimate > a.interviews + 1 and a.lower <= a.estimate <= a.upper
    again = _prevalence(machine, review, review, bootstrap=100)
    pd.testing.assert_frame_equal(prev, again)  # seeded: same inputs, same numbers


def _strata_prevalence(near_margin):
    # turns 0-11 reviewed (the batch): near the threshold (margin -0.2), half have 'a'; turn 13
    # (the random share) is far (margin -3) without it; 26 more unreviewed far turns
    margins = [-0.2] * 12 + [-3.0] * 28
    ts = _turn_scores(margins, [False] * 40)
    batch = [(t, ["a"]) for t in range(0, 12, 2)] + [(t, []) for t in range(1, 12, 2)]
    review = _review([(13, [])], batch)
    final = review.codes
    basis = C.honest_basis(ts, None, review)
    params = ReviewParams(bootstrap=50, near_margin=near_margin)
    return C.prevalence(ts, final, review.turns, basis, CODES, params).set_index("code_id")


def test_when_batch_misses_are_near_the_threshold_then_far_turns_do_not_inherit_them():
    apart, pooled = _strata_prevalence(1.0), _strata_prevalence(0.0)
    assert apart.loc["a", "interviews"] == pooled.loc["a", "interviews"] == 6
    # near turns' misses (6 of 12) are not applied to the far turns, which stay rare
    assert apart.loc["a", "estimate"] < pooled.loc["a", "estimate"] - 3
    assert 6 <= apart.loc["a", "estimate"] < 10


def _coded_strata_prevalence(near_margin):
    # turns 0-11 reviewed (the batch): coded just above the threshold (margin 0.2), half have
    # 'a'; turn 13 (the random share) coded far above it (margin 3) and has it; 26 more
    # unreviewed turns coded far above it
    margins = [0.2] * 12 + [3.0] * 28
    ts = _turn_scores(margins, [True] * 40)
    batch = [(t, ["a"]) for t in range(0, 12, 2)] + [(t, []) for t in range(1, 12, 2)]
    review = _review([(13, ["a"])], batch)
    final = pd.concat([C.machine_coding(ts).query("turn_index >= 12"), review.codes])
    basis = C.honest_basis(ts, None, review)
    params = ReviewParams(bootstrap=50, near_margin=near_margin)
    return C.prevalence(ts, final, review.turns, basis, CODES, params).set_index("code_id")


@pytest.mark.parametrize(("near_margin", "low", "high"), [(1.0, 19.7, 20.0), (0.0, 18.8, 19.6)])
def test_when_batch_false_codes_are_near_the_threshold_then_sure_codes_do_not_inherit_them(
    near_margin, low, high
):
    # apart (near_margin 1): the near-threshold codes' precision (6 of 12) is not applied to
    # the codes far above the threshold; pooled (0): every coded turn gets about 7 of 13. Both
    # are lifted by the spread (the batch never has 'a' on both turns of an interview, ADR 0039)
    prev = _coded_strata_prevalence(near_margin)
    assert prev.loc["a", "interviews"] == 20
    assert low <= prev.loc["a", "estimate"] <= high
