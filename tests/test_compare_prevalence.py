"""Counts at interview level (ADR 0039): the context strata, the spread and its mixture."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from pipeline import compare as C
from pipeline.evaluator_files.review import Review
from pipeline.params import ReviewParams

P = importlib.import_module("pipeline.compare.prevalence")  # the module, not the function
CODES = ["a"]
KEYS = ["interview_id", "turn_index"]


@pytest.mark.parametrize(
    ("rates", "spread", "n", "expected"),
    [
        (0.25, 1.0, 4, 1 - 0.75**4),  # independent turns
        (0.25, 0.0, 4, 1.0),  # the most spread: mean 1, so one turn surely has it
        (0.25, 0.5, 4, 0.5 * (1 - 0.75**4) + 0.5),
        (0.1, 0.0, 3, 0.3),  # the most spread with mean 0.3: P(none) = 0.7
        (0.1, 0.0, 0, 0.0),  # no unreviewed turn
    ],
)
def test_when_spread_varies_then_interview_probability_mixes_independent_and_most_spread(
    rates, spread, n, expected
):
    rate = np.zeros((len(P.STRATA), 1))
    rate[P.NEAR] = rates
    counts = np.zeros((len(P.STRATA), 1, 1))
    counts[P.NEAR] = n
    p = P._interview_probability(rate, spread, counts, np.zeros((1, 1), dtype=bool))
    assert p[0, 0] == pytest.approx(expected)


def test_when_a_reviewed_turn_has_the_code_then_its_interview_raises_it():
    counts = np.zeros((len(P.STRATA), 1, 1))
    p = P._interview_probability(np.zeros((len(P.STRATA), 1)), 0.3, counts, np.ones((1, 1), bool))
    assert p[0, 0] == 1.0


def _evidence(human_per_interview: list[list[bool]]) -> P._Evidence:
    """Human-coded turns, all in the near stratum, one list of codes ('a' or not) per interview."""
    human = np.array([[h] for hs in human_per_interview for h in hs], dtype=bool)
    iv = np.array([g for g, hs in enumerate(human_per_interview) for _ in hs], dtype=np.int64)
    return P._Evidence.of(np.full(human.shape, P.NEAR, dtype=np.int8), human, iv)


@pytest.mark.parametrize(
    ("interviews", "low", "high"),
    [
        ([[True, False, False, False]] * 10, 0.0, 0.5),  # once per interview: spread
        ([[True, True, False, False], [False] * 4] * 5, 0.999, 1.0),  # clustered: capped at 1
        ([[True]] * 10, 0.999, 1.0),  # one human-coded turn per interview: no pair, 1
        ([[False, False]] * 10, 0.999, 1.0),  # never the code: nothing to measure, 1
    ],
)
def test_when_same_interview_pairs_are_rarer_than_their_rates_then_spread_falls_below_one(
    interviews, low, high
):
    evidence = _evidence(interviews)
    rates, spread = evidence.fit(np.ones(len(interviews)), 0.0)
    assert rates[P.NEAR, 0] == pytest.approx(np.mean([h for hs in interviews for h in hs]))
    assert low <= spread <= high


def test_when_bootstrap_weights_repeat_an_interview_then_fit_counts_it_that_often():
    evidence = _evidence([[True, False], [False, False], [True, True]])
    rates, _ = evidence.fit(np.array([2.0, 1.0, 0.0]), 0.0)
    assert rates[P.NEAR, 0] == pytest.approx(2 / 6)


def test_when_another_turn_of_the_interview_is_machine_coded_then_the_stratum_says_so():
    machine = np.array([[True], [False], [False], [True], [True]])
    strata = np.array([[P.CODED], [P.FAR], [P.NEAR], [P.CODED], [P.CODED_NEAR]], dtype=np.int8)
    iv_of = np.array([0, 0, 1, 2, 2])
    got = P._in_context(strata, machine, iv_of)[:, 0].tolist()
    assert got == [P.CODED, P.FAR + P.ELSEWHERE, P.NEAR, P.CODED + P.ELSEWHERE, 7]


def _corpus(n_interviews: int, turns: int, coded_turn: int | None, has_turn: int | None):
    """Every interview alike: machine codes 'a' on ``coded_turn``; the truth is ``has_turn``."""
    rows = []
    for i in range(n_interviews):
        for t in range(turns):
            coded = t == coded_turn
            rows.append((f"I{i:02d}", t, "a", 2.0 if coded else 0.5, 1.0, coded))
    cols = [*KEYS, "code_id", "score", "threshold", "machine"]
    return pd.DataFrame(rows, columns=cols), has_turn


def _reviewed(ts: pd.DataFrame, interviews: list[int], has_turn: int | None) -> Review:
    """Every turn of ``interviews`` reviewed, all in the random share, the truth as codes."""
    names = {f"I{i:02d}" for i in interviews}
    turns = ts[ts.interview_id.isin(names)][KEYS].drop_duplicates().reset_index(drop=True)
    codes = turns[turns.turn_index == has_turn].assign(code_id="a")
    return Review(codes.reset_index(drop=True), turns, turns)


@pytest.mark.parametrize(
    ("coded_turn", "has_turn", "truth"),
    [
        # the machine codes turn 0 of every interview, wrongly: the code is on turn 1 of every
        # interview (a wrong code in an interview that raises the code elsewhere)
        (0, 1, 20),
        # the machine codes nothing; each interview has the code on one turn of five
        (None, 2, 20),
        # the machine codes turn 0 rightly, nothing else has it
        (0, 0, 20),
        # the machine codes turn 0 wrongly and no interview has the code
        (0, None, 0),
    ],
)
def test_when_the_code_is_on_one_turn_per_interview_then_the_estimate_counts_interviews(
    coded_turn, has_turn, truth
):
    ts, has = _corpus(20, 5, coded_turn, has_turn)
    review = _reviewed(ts, [0, 1, 2, 3, 4, 5], has)
    final = pd.concat([C.machine_coding(ts).query("interview_id >= 'I06'"), review.codes])
    basis = C.honest_basis(ts, None, review)
    params = ReviewParams(bootstrap=100, prior_strength=0.0)
    a = C.prevalence(ts, final, review.turns, basis, CODES, params).set_index("code_id").loc["a"]
    assert abs(a.estimate - truth) <= 1.0
    assert a.lower <= truth <= a.upper
