"""Turn-level decision scores of the code stage, and the decision rule (ADR 0008).

The unit of decision is the respondent turn (human coders code turns, and an evaluator asks
"did this interviewee raise X"). A turn's score for a code is the per-code z-score of its
pooled embedding's similarity to the code, plus ``keyword_weight * log(1 + keyword hits)``,
centred on the turn's mean over codes. The turn gets the code when the score reaches the
code's threshold and is within ``relative`` of the turn's best code.
"""

from __future__ import annotations

import numpy as np

from pipeline.coding.coders import SemanticCoder, normalise
from pipeline.params import CodeParams


def pool_turns(embeddings: np.ndarray, turn_of: np.ndarray, n_turns: int) -> np.ndarray:
    """One vector per turn: the normalised sum of its segments' embeddings."""
    dim = embeddings.shape[1] if np.ndim(embeddings) == 2 else 0
    out = np.zeros((n_turns, dim), dtype=np.float32)
    np.add.at(out, turn_of, np.asarray(embeddings, dtype=np.float32))
    return normalise(out)


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per-code z-scores over the rows (no labels used).

    Raw cosine similarities are not comparable across codes (a broad definition is close to
    everything); z-scores put every code on one scale.
    """
    std = scores.std(axis=0)
    std[std == 0] = 1.0
    return ((scores - scores.mean(axis=0)) / std).astype(np.float32)


def turn_scores(
    semantic: np.ndarray | None, keyword_hits: np.ndarray, params: CodeParams
) -> np.ndarray:
    """The turn-level decision score of every (turn, code).

    ``z(semantic) + keyword_weight * log(1 + keyword hits)``, then (with ``centre``) minus the
    turn's mean over codes, so that a turn that is close to everything (a long, on-topic
    answer) does not get every code. Without a semantic coder the score is the keyword term.
    """
    kw = params.keyword_weight * np.log1p(keyword_hits).astype(np.float32)
    if semantic is None:
        return kw
    sem = standardise(semantic) if params.standardise else semantic.astype(np.float32)
    out = sem + kw
    if params.centre and out.shape[1] > 1:
        out = out - out.mean(axis=1, keepdims=True)
    return out.astype(np.float32)


def turn_matrix_scores(
    semantic: SemanticCoder | None,
    turn_vectors: np.ndarray,
    kw_turn: np.ndarray,
    params: CodeParams,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Turn scores of the codes and, when the codebook has ``uncoded`` material, of it.

    The uncoded competitor is scored like a code with no keywords (same standardising and
    centring), so the two are on one scale.
    """
    if semantic is None or not len(turn_vectors):
        return turn_scores(None, kw_turn, params), None
    sem = semantic.score(turn_vectors)
    unc = semantic.score_uncoded(turn_vectors)
    if unc is None:
        return turn_scores(sem, kw_turn, params), None
    ext = turn_scores(
        np.hstack([sem, unc[:, None]]),
        np.hstack([kw_turn, np.zeros((len(kw_turn), 1), dtype=kw_turn.dtype)]),
        params,
    )
    return ext[:, :-1], ext[:, -1]


def competition(
    scores: np.ndarray, relative: float | None, floor: np.ndarray | None = None
) -> np.ndarray:
    """Where a code competes for its turn.

    A code competes when it scores within ``relative`` of the turn's best code, or of the
    turn's ``floor`` (the uncoded competitor's score plus its bias) when that is higher. All
    True when ``relative`` is None.
    """
    if relative is None:
        return np.ones(scores.shape, dtype=bool)
    best = scores.max(axis=1) if scores.shape[1] else np.zeros(len(scores), dtype=np.float32)
    if floor is not None:
        best = np.maximum(best, floor)
    return scores >= best[:, None] - relative


def decide(
    scores: np.ndarray,
    thresholds: np.ndarray,
    relative: float | None = None,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean (turn, code) matrix: the score reaches the code's threshold and competes.

    With ``relative``, a code must also score within ``relative`` of the turn's best code
    (codes compete for a turn, which usually expresses one or two ideas) and of ``floor``.
    """
    return (scores >= thresholds) & competition(scores, relative, floor)
