"""Tests for pipeline.agreement: Cohen's kappa as sklearn computes it, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import agreement


@pytest.mark.parametrize("seed", range(6))
def test_when_kappa_computed_then_it_is_sklearns_to_the_bit(seed):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(2, 200))
        pred = (rng.random(n) < rng.random()).astype(int)
        ref = np.where(rng.random(n) < 0.7, pred, (rng.random(n) < 0.5).astype(int))
        if len(np.unique(pred)) <= 1 and len(np.unique(ref)) <= 1:
            continue  # both constant: defined as 1.0 / 0.0 here, NaN in sklearn
        expected = float(cohen_kappa_score(ref, pred, labels=[0, 1]))
        assert agreement.kappa(pred, ref) == expected


@pytest.mark.parametrize(
    ("pred", "ref", "expected"),
    [
        ([0, 0, 0], [0, 0, 0], 1.0),  # neither coding used the code
        ([1, 1], [1, 1], 1.0),
        ([1, 1, 1], [0, 0, 0], 0.0),  # both constant, different
        ([1, 0, 1, 0], [1, 0, 1, 0], 1.0),
        ([1, 0, 1, 0], [0, 1, 0, 1], -1.0),
        ([True, False, True], [True, False, False], 0.4),
    ],
)
def test_when_codings_given_then_kappa_is_as_defined(pred, ref, expected):
    assert agreement.kappa(np.array(pred), np.array(ref)) == pytest.approx(expected)
