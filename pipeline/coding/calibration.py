"""Calibration of the code stage: F1 over threshold grids, and cross-fitting over interviews.

Both the rule-based coders and the supervised coder (:mod:`pipeline.coding.supervised`)
choose thresholds by the F1 they give on held-out units; both use :func:`f1_curve` and
:func:`best_on_grid`, so ties and edge cases are decided the same way. With human codes, the
code stage chooses every setting on the *other* interviews (cross-fitting), so no turn is
scored with a threshold tuned on itself.
"""

from __future__ import annotations

import numpy as np

from pipeline.agreement import f1
from pipeline.coding.scoring import competition
from pipeline.params import CodeParams


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


def threshold_grid(params: CodeParams) -> np.ndarray:
    """The thresholds tried: ``grid_min`` to ``grid_max`` by ``grid_step``."""
    return np.round(np.arange(params.grid_min, params.grid_max + 1e-9, params.grid_step), 4)


def fit_thresholds(
    scores: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Per-code thresholds maximising turn-level F1 on the given turns, and that micro-F1.

    A global threshold is chosen first (micro-F1 over all codes); a code keeps its own
    threshold only with at least ``params.min_positives`` positive turns, otherwise the
    global one (few examples make a per-code choice noise).
    """
    grid = threshold_grid(params)
    k = scores.shape[1]
    if not len(grid) or not len(scores):
        return np.full(k, params.default_threshold, dtype=np.float32), 0.0
    masked = np.where(competition(scores, params.relative, floor), scores, -np.inf)
    best_global = best_on_grid(grid, f1_curve(masked, gold, grid))
    thresholds = np.full(k, best_global, dtype=np.float32)
    for j in range(k):
        if gold[:, j].sum() >= params.min_positives:
            thresholds[j] = best_on_grid(grid, f1_curve(masked[:, j], gold[:, j], grid))
    return thresholds, f1(masked >= thresholds, gold)


def interview_folds(interviews: np.ndarray, params: CodeParams) -> list[np.ndarray]:
    """The interviews in ``params.folds`` seeded, shuffled groups (fewer with few interviews)."""
    unique = np.array(sorted(set(interviews)))
    order = unique[np.random.default_rng(params.seed).permutation(len(unique))]
    return np.array_split(order, min(params.folds, len(unique)))


def cross_fit_thresholds(
    scores: np.ndarray,
    interviews: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
    uncoded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-turn thresholds and floors, each learned on the other interviews' turns only.

    With an ``uncoded`` competitor score, each fold also chooses the competitor's bias from
    ``params.uncoded_bias_grid`` on its training interviews (the bias whose fitted thresholds
    give the best micro-F1 there), so no calibration choice sees the turns it codes.
    """
    thresholds = np.zeros_like(scores)
    floors = np.full(len(scores), -np.inf, dtype=np.float32)
    biases = params.uncoded_bias_grid if uncoded is not None else [0.0]
    for fold in interview_folds(interviews, params):
        test = np.isin(interviews, fold)
        best: tuple[float, float, np.ndarray] | None = None
        for bias in biases:
            floor = None if uncoded is None else uncoded[~test] + bias
            thr, score = fit_thresholds(scores[~test], gold[~test], params, floor)
            if best is None or score > best[0] + 1e-9:
                best = (score, bias, thr)
        assert best is not None
        thresholds[test] = best[2]
        if uncoded is not None:
            floors[test] = uncoded[test] + best[1]
    return thresholds, floors
