"""The review-loop benchmark's measured batch variant (ADR 0041): PPS with known chances."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_review_loop as B

from pipeline.evaluator_files.review import YES
from pipeline.params import ReviewParams


@pytest.mark.parametrize(
    ("size", "n", "expected"),
    [
        ([1.0, 1.0, 1.0, 1.0], 2, [0.5, 0.5, 0.5, 0.5]),  # equal sizes: equal chances
        ([3.0, 1.0], 1, [0.75, 0.25]),  # proportional to size
        ([10.0, 1.0, 1.0], 2, [1.0, 0.5, 0.5]),  # capped at 1, the rest shares what is left
        ([1.0, 2.0], 0, [0.0, 0.0]),  # nothing to draw
    ],
)
def test_when_sizes_differ_then_pps_probabilities_are_proportional_capped_and_sum_to_n(
    size, n, expected
):
    pi = B._pps_probabilities(np.array(size), n)
    assert pi == pytest.approx(expected)
    assert pi.sum() == pytest.approx(n)


def _turns(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interview_id": [f"I{i // 5}" for i in range(n)],
            "turn_index": [i % 5 for i in range(n)],
            "margin": np.linspace(0.01, 0.5, n),
        }
    )


@pytest.mark.parametrize(
    ("batch", "share", "reviewed", "n_eval"),
    [
        (10, 0.2, set(), 2),
        (10, 0.0, set(), 0),  # no evaluation share asked for: none drawn
        (5, 0.2, {("I0", 0), ("I0", 1)}, 1),  # at least one evaluation turn when asked for
        (50, 0.2, set(), 8),  # more than the open turns: every open turn proposed
    ],
)
def test_when_a_pps_batch_is_drawn_then_it_has_its_size_share_and_no_reviewed_turn(
    batch, share, reviewed, n_eval
):
    turns = _turns(40)
    rp = ReviewParams(batch=batch, evaluation_share=share, seed=3)
    got = B.pps_batch(turns, reviewed, rp)
    keys = set(zip(got.interview_id, got.turn_index))
    assert len(got) == min(batch, 40 - len(reviewed)) == len(keys)
    assert (got.evaluation == YES).sum() == n_eval
    assert not keys & reviewed


def test_when_the_seed_is_the_same_then_the_pps_batch_is_the_same():
    rp = ReviewParams(batch=12, evaluation_share=0.2, seed=7)
    first = B.pps_batch(_turns(40), set(), rp)
    pd.testing.assert_frame_equal(first, B.pps_batch(_turns(40), set(), rp))
    other = B.pps_batch(_turns(40), set(), rp.model_copy(update={"seed": 8}))
    assert set(zip(first.interview_id, first.turn_index)) != set(
        zip(other.interview_id, other.turn_index)
    )
