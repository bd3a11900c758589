"""Learning from reviewed turns: one pooled model over (turn, code) pairs (ADR 0020).

With a handful of reviewed turns per code a per-code classifier has two or three positives to
learn from; this learner pools every (turn, code) pair into one logistic regression whose
features are the same for every code, so a reviewed turn teaches all codes at once:

- the codebook rule's turn score for the code (``-score_floor`` for a non-analytic turn), its
  gap to the turn's best code, and ``log(1 + keyword hits)``;
- **nearest reviewed turns**: the cosine similarity of the turn to its most similar reviewed
  turn *with* the code, and that minus its similarity to the most similar reviewed turn
  *without* it (neighbours from other interviews only, so a training turn sees what an
  unreviewed one sees);
- the code's share of the reviewed turns (its base rate, shrunk towards the mean).

The decision threshold on the probability maximises F1 on out-of-fold predictions. Every
reviewed turn is decided by a model fitted on the other interviews' reviewed turns (folds
over interviews), its threshold chosen without it; an unreviewed turn by the model fitted on
every reviewed turn. So no turn is decided by a model that saw its human codes, and the
agreement measured on reviewed turns stays honest. Only numpy and scikit-learn are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.coding.calibration import best_on_grid, f1_curve, interview_folds
from pipeline.params import CodeParams
from pipeline.similarity import similarity

if TYPE_CHECKING:  # scikit-learn is imported only when a learner is fitted (ADR 0026)
    from sklearn.linear_model import LogisticRegression

PROBABILITY_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
SCORE_FLOOR = 5.0  # the score feature of a gated (non-analytic) turn: -SCORE_FLOOR


@dataclass
class LearnerInputs:
    """What the learner reads: the rule's scores, keywords, turn vectors, human codes."""

    scores: np.ndarray  # (turns, codes) gated turn scores (-inf: non-analytic turn)
    keyword: np.ndarray  # (turns, codes) keyword hits
    vectors: np.ndarray  # (turns, dim) L2-normalised pooled turn embeddings
    gold: np.ndarray  # (turns, codes) bool, human codes (rows of unreviewed turns ignored)
    reviewed: np.ndarray  # (turns,) bool
    interview: np.ndarray  # (turns,) interview id
    rule: np.ndarray  # (turns, codes) bool, the codebook rule's decisions (pseudo-labels)


def _rule_features(scores: np.ndarray, keyword: np.ndarray) -> list[np.ndarray]:
    """Score, gap to the turn's best code, keyword term: each (turns, codes)."""
    s = np.where(np.isfinite(scores), scores, -SCORE_FLOOR).astype(np.float64)
    gap = s - s.max(axis=1, keepdims=True)
    return [s, gap, np.log1p(keyword).astype(np.float64)]


def _neighbour_features(x: LearnerInputs, rows: np.ndarray, train: np.ndarray) -> list[np.ndarray]:
    """For ``rows``: similarity to the nearest ``train`` turn with each code, and the margin.

    Neighbours from the row's own interview are skipped (``-1`` where none is left).
    """
    sims = similarity(x.vectors[rows], x.vectors[train]).astype(np.float64)  # (rows, train)
    same = x.interview[rows][:, None] == x.interview[train][None, :]
    sims = np.where(same, -1.0, sims)
    gold = x.gold[train]  # (train, codes)
    k = gold.shape[1]
    with_code = np.full((len(rows), k), -1.0)
    without = np.full((len(rows), k), -1.0)
    for j in range(k):
        pos = gold[:, j]
        if pos.any():
            with_code[:, j] = sims[:, pos].max(axis=1)
        if (~pos).any():
            without[:, j] = sims[:, ~pos].max(axis=1)
    return [with_code, with_code - without]


def _base_rate(gold: np.ndarray) -> np.ndarray:
    """Each code's share of the training turns, shrunk towards the mean by 2 pseudo-turns."""
    n = len(gold)
    mean = gold.mean() if n else 0.0
    return (gold.sum(axis=0) + 2.0 * mean) / (n + 2.0)


def _design(x: LearnerInputs, rows: np.ndarray, train: np.ndarray) -> np.ndarray:
    """The (rows * codes, features) matrix of pairs, row-major (turn, then code)."""
    parts = [f[rows] for f in _rule_features(x.scores, x.keyword)]
    parts += _neighbour_features(x, rows, train)
    rate = np.log(np.clip(_base_rate(x.gold[train]), 1e-3, None))
    parts.append(np.broadcast_to(rate, parts[0].shape))
    return np.stack([p.ravel() for p in parts], axis=1)


def _fit(x: LearnerInputs, train: np.ndarray, params: CodeParams) -> LogisticRegression | None:
    """The pooled model fitted on reviewed ``train`` turns plus every unreviewed turn.

    Reviewed turns carry their human codes; unreviewed ones the rule's decisions with weight
    ``learn_pseudo_weight`` (the rule anchors the model where nobody reviewed; the reviewed
    turns, chosen for being hard, would otherwise bias it). Each turn's neighbours are the
    ``train`` turns of other interviews.
    """
    y = x.gold[train]
    if y.sum() < params.learn_min_positives or y.all():
        return None
    rows, labels, weights = train, y.ravel(), np.ones(y.size)
    if params.learn_pseudo_weight:
        rest = np.flatnonzero(~x.reviewed)
        rows = np.concatenate([train, rest])
        labels = np.concatenate([labels, x.rule[rest].ravel()])
        weights = np.concatenate([weights, np.full(x.rule[rest].size, params.learn_pseudo_weight)])
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=params.learn_c, max_iter=1000, solver="lbfgs")
    return model.fit(_design(x, rows, train), labels, sample_weight=weights)


def _proba(
    model: LogisticRegression, x: LearnerInputs, rows: np.ndarray, train: np.ndarray
) -> np.ndarray:
    """Probabilities ``(len(rows), codes)``."""
    k = x.gold.shape[1]
    return model.predict_proba(_design(x, rows, train))[:, 1].reshape(len(rows), k)


def _out_of_fold(
    x: LearnerInputs, params: CodeParams
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Out-of-fold probabilities of the reviewed turns, which of them got one, the folds."""
    rev = np.flatnonzero(x.reviewed)
    oof = np.zeros((len(x.scores), x.gold.shape[1]))
    done = np.zeros(len(x.scores), dtype=bool)
    folds = []
    for fold in interview_folds(x.interview[rev], params):
        test = rev[np.isin(x.interview[rev], fold)]
        train = np.setdiff1d(rev, test)
        folds.append(test)
        model = _fit(x, train, params) if len(test) and len(train) else None
        if model is not None:
            oof[test] = _proba(model, x, test, train)
            done[test] = True
    return oof, done, folds


def _threshold(proba: np.ndarray, gold: np.ndarray, params: CodeParams) -> float:
    """``learn_threshold``, or the one with the best micro-F1 (0.5: nothing to learn from)."""
    if params.learn_threshold is not None:
        return params.learn_threshold
    if not len(proba) or not gold.any():
        return 0.5
    return best_on_grid(PROBABILITY_GRID, f1_curve(proba, gold, PROBABILITY_GRID))


def learn_from_review(x: LearnerInputs, params: CodeParams) -> tuple[np.ndarray, np.ndarray] | None:
    """Cross-fitted decisions and probabilities ``(turns, codes)``, or None (too few reviews).

    None when the reviewed turns hold fewer than ``params.learn_min_positives`` codes, or
    some fold cannot be fitted: the codebook rule then decides.
    """
    rev = np.flatnonzero(x.reviewed)
    full = _fit(x, rev, params)
    if full is None:
        return None
    oof, done, folds = _out_of_fold(x, params)
    if not done[rev].all():
        return None
    proba = np.zeros((len(x.scores), x.gold.shape[1]))
    decided = np.zeros(proba.shape, dtype=bool)
    for test in folds:
        others = np.setdiff1d(rev, test)
        thr = _threshold(oof[others], x.gold[others], params)
        proba[test] = oof[test]
        decided[test] = oof[test] >= thr
    rest = np.flatnonzero(~x.reviewed)
    if len(rest):
        proba[rest] = _proba(full, x, rest, rev)
        decided[rest] = proba[rest] >= _threshold(oof[rev], x.gold[rev], params)
    return decided, proba.astype(np.float32)
