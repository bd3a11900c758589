"""Agreement between two codings: the one label matrix and the one F1 of the pipeline.

The code stage (calibrating its thresholds and training its supervised coder) and the compare
stage (automatic against human codes) both turn codings into 0/1 matrices and score them; both
use these functions, so edge cases (an empty coding, a code nobody used) are decided the same
way. Only numpy is imported (scikit-learn only for Cohen's kappa).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt


def label_matrix(
    labels: Sequence[Iterable[str]], codes: Sequence[str], dtype: npt.DTypeLike = np.int8
) -> np.ndarray:
    """0/1 matrix ``(n, k)`` of ``labels`` (one set of codes per row) over ``codes``.

    Codes not in ``codes`` are ignored.
    """
    index = {c: j for j, c in enumerate(codes)}
    y = np.zeros((len(labels), len(codes)), dtype=dtype)
    for i, row in enumerate(labels):
        for code in row:
            if code in index:
                y[i, index[code]] = 1
    return y


def coding_matrix(
    coding: object,
    turn_pos: dict[tuple[str, int], int],
    codes: Sequence[str],
    dtype: npt.DTypeLike = np.int8,
) -> np.ndarray:
    """0/1 matrix ``(turns, codes)`` of a coding table (``interview_id, turn_index, code_id``).

    ``turn_pos`` maps ``(interview_id, turn_index)`` to the row; rows of the coding on other
    turns, and codes not in ``codes``, are ignored.
    """
    labels: list[set[str]] = [set() for _ in range(len(turn_pos))]
    rows = zip(coding["interview_id"], coding["turn_index"], coding["code_id"])  # type: ignore[index]
    for iv, ti, code in rows:
        t = turn_pos.get((str(iv), int(ti)))
        if t is not None:
            labels[t].add(str(code))
    return label_matrix(labels, codes, dtype)


def _counts(pred: np.ndarray, ref: np.ndarray) -> tuple[int, int, int]:
    """True positives, predicted positives and reference positives of 0/1 vectors."""
    pred = np.asarray(pred, dtype=bool)
    ref = np.asarray(ref, dtype=bool)
    return int(np.logical_and(pred, ref).sum()), int(pred.sum()), int(ref.sum())


def f1(pred: np.ndarray, ref: np.ndarray) -> float:
    """F1 of the positive class: ``2 tp / (predicted + reference)``, 0.0 when ``tp`` is 0."""
    tp, n_pred, n_ref = _counts(pred, ref)
    return 2.0 * tp / (n_pred + n_ref) if tp else 0.0


def precision(pred: np.ndarray, ref: np.ndarray) -> float:
    """``tp / predicted``, 0.0 when nothing is predicted."""
    tp, n_pred, _ = _counts(pred, ref)
    return tp / n_pred if n_pred else 0.0


def recall(pred: np.ndarray, ref: np.ndarray) -> float:
    """``tp / reference``, 0.0 when the reference has no positive."""
    tp, _, n_ref = _counts(pred, ref)
    return tp / n_ref if n_ref else 0.0


def macro_f1(ref: np.ndarray, pred: np.ndarray) -> float:
    """Macro-F1 over the codes (columns) present in ``ref`` or ``pred`` (0.0 when none is)."""
    ref = np.asarray(ref, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    cols = np.flatnonzero(ref.any(axis=0) | pred.any(axis=0))
    return float(np.mean([f1(pred[:, j], ref[:, j]) for j in cols])) if len(cols) else 0.0


def kappa(pred: np.ndarray, ref: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 codings, defined as 1.0 / 0.0 when both are constant.

    Computed as ``sklearn.metrics.cohen_kappa_score(ref, pred, labels=[0, 1])`` does, step
    for step, so the same bits; written here because importing sklearn costs the compare
    stage 1.5 s of its 3 (ADR 0048). sklearn returns NaN when both raters used one category
    only (expected agreement 1); for a code neither coding applied anywhere (or both applied
    everywhere) that is perfect agreement, so we report 1.0; if both are constant but
    different, 0.0.
    """
    pred = np.asarray(pred).astype(np.int64).ravel()
    ref = np.asarray(ref).astype(np.int64).ravel()
    if len(np.unique(pred)) <= 1 and len(np.unique(ref)) <= 1:
        return 1.0 if np.array_equal(pred, ref) else 0.0
    confusion = np.zeros((2, 2), dtype=np.float64)  # rows: ref, columns: pred
    np.add.at(confusion, (ref, pred), 1.0)
    sum0, sum1 = np.sum(confusion, axis=0), np.sum(confusion, axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w_mat = np.ones([2, 2], dtype=np.float64)
    np.fill_diagonal(w_mat, 0)
    return float(1 - np.sum(w_mat * confusion) / np.sum(w_mat * expected))
