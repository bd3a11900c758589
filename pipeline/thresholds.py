"""F1 over a grid of decision thresholds: the one calibration primitive of the coders.

Both the rule-based coder (:mod:`pipeline.code`) and the supervised coder
(:mod:`pipeline.supervised`) choose thresholds by the F1 they give on held-out units; both use
these functions, so ties and edge cases are decided the same way. Only numpy is imported.
"""

from __future__ import annotations

import numpy as np


def f1_curve(values: np.ndarray, positive: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """F1 of ``values >= t`` against ``positive`` for every ``t`` in ``grid`` (vectorised).

    0.0 where nothing is both predicted and positive.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    positive = np.asarray(positive, dtype=bool).ravel()
    all_sorted = np.sort(values)
    pos_sorted = np.sort(values[positive])
    predicted = len(values) - np.searchsorted(all_sorted, grid, side="left")
    tp = len(pos_sorted) - np.searchsorted(pos_sorted, grid, side="left")
    denom = predicted + len(pos_sorted)
    return np.where(tp > 0, 2.0 * tp / np.maximum(denom, 1), 0.0)


def best_on_grid(grid: np.ndarray, f1s: np.ndarray) -> float:
    """The grid point with the best F1; ties go to the median tied point (less brittle)."""
    tied = np.asarray(grid)[np.isclose(f1s, np.max(f1s))]
    return float(tied[(len(tied) - 1) // 2])
