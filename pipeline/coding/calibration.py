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


def fit_with_bias(
    scores: np.ndarray, gold: np.ndarray, params: CodeParams, uncoded: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Per-code thresholds and the uncoded competitor's bias, both chosen on these turns.

    The bias is the one of ``params.uncoded_bias_grid`` whose fitted thresholds give the
    best micro-F1 (the first on ties); with no turns, the defaults.
    """
    if not len(scores):
        k = scores.shape[1] if np.ndim(scores) == 2 else 0
        return np.full(k, params.default_threshold, dtype=np.float32), params.uncoded_bias
    best: tuple[float, float, np.ndarray] | None = None
    for bias in params.uncoded_bias_grid if uncoded is not None else [0.0]:
        floor = None if uncoded is None else uncoded + bias
        thr, score = fit_thresholds(scores, gold, params, floor)
        if best is None or score > best[0] + 1e-9:
            best = (score, bias, thr)
    assert best is not None
    return best[2], best[1]


def shrink_to_default(
    thresholds: np.ndarray, bias: float, n_turns: int, params: CodeParams
) -> tuple[np.ndarray, float]:
    """Fitted settings pulled towards the zero-shot ones by ``review_prior_turns`` turns.

    With ``n`` reviewed turns the result is ``w * fitted + (1 - w) * default`` with
    ``w = n / (n + review_prior_turns)`` (ADR 0036): a handful of reviewed turns, chosen by
    uncertainty sampling for lying near the thresholds, cannot override the zero-shot
    calibration; ``review_prior_turns`` null keeps the zero-shot settings whatever the review.
    """
    prior = params.review_prior_turns
    w = 0.0 if prior is None else n_turns / (n_turns + prior) if n_turns + prior > 0 else 1.0
    shrunk = w * np.asarray(thresholds, dtype=np.float32) + (1 - w) * params.default_threshold
    return shrunk.astype(np.float32), float(w * bias + (1 - w) * params.uncoded_bias)


def cross_fit_thresholds(
    scores: np.ndarray,
    interviews: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
    uncoded: np.ndarray | None = None,
    reviewed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-turn thresholds and floors, learned only on human-coded (reviewed) turns.

    A reviewed turn's thresholds and uncoded bias (:func:`fit_with_bias`) are learned on the
    *other* interviews' reviewed turns (cross-fitting), so no calibration choice sees the turn
    it codes; a turn nobody reviewed (``reviewed`` False; default: every turn is reviewed) is
    not a negative example: it gets the settings learned on every reviewed turn. With a partial
    review (some turns not reviewed) every fitted setting is shrunk towards the zero-shot one
    (:func:`shrink_to_default`); a complete human coding is used as fitted.
    """
    partial = reviewed is not None and not np.asarray(reviewed).all()
    reviewed = np.ones(len(scores), dtype=bool) if reviewed is None else np.asarray(reviewed)
    thresholds = np.zeros_like(scores)
    floors = np.full(len(scores), -np.inf, dtype=np.float32)

    def assign(rows: np.ndarray, train: np.ndarray) -> None:
        unc = None if uncoded is None else uncoded[train]
        thr, bias = fit_with_bias(scores[train], gold[train], params, unc)
        if partial:
            thr, bias = shrink_to_default(thr, bias, int(train.sum()), params)
        thresholds[rows] = thr
        if uncoded is not None:
            floors[rows] = uncoded[rows] + bias

    for fold in interview_folds(interviews, params):
        test = np.isin(interviews, fold)
        if (test & reviewed).any():
            assign(test & reviewed, ~test & reviewed)
    if not reviewed.all():
        assign(~reviewed, reviewed)
    return thresholds, floors
