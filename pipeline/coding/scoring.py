"""Turn-level decision scores of the code stage, and the decision rule (ADR 0008).

The unit of decision is the respondent turn (human coders code turns, and an evaluator asks
"did this interviewee raise X"). A turn's score for a code is the per-code z-score of its
pooled embedding's similarity to the code, plus ``keyword_weight * log(1 + keyword hits)``,
plus ``question_weight`` times the standardised similarity of the interviewer's question,
centred on the turn's mean over codes. The turn gets the code when the score reaches the
code's threshold, is within ``relative`` of the turn's best code, and the turn is analytic
(closer to a code than to every uncoded example, :func:`analytic_turns`).
"""

from __future__ import annotations

import numpy as np

from pipeline.coding.coders import SemanticCoder, normalise
from pipeline.params import CodeParams


def pool_turns(
    embeddings: np.ndarray, turn_of: np.ndarray, n_turns: int, keep: np.ndarray | None = None
) -> np.ndarray:
    """One vector per turn: the normalised sum of its segments' embeddings.

    With ``keep`` (one bool per segment) only the kept segments count; a turn with none is
    all zeros.
    """
    dim = embeddings.shape[1] if np.ndim(embeddings) == 2 else 0
    out = np.zeros((n_turns, dim), dtype=np.float32)
    vectors = np.asarray(embeddings, dtype=np.float32)
    if keep is not None and len(vectors):
        vectors = np.where(np.asarray(keep, dtype=bool)[:, None], vectors, np.float32(0))
    np.add.at(out, turn_of, vectors)
    return normalise(out)


def standardise(scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Per-code z-scores over the rows (no labels used).

    Raw cosine similarities are not comparable across codes (a broad definition is close to
    everything); z-scores put every code on one scale. With ``rows`` (one bool per row) the
    mean and spread come from those rows only (the turns with analytic evidence); every row
    is scaled.
    """
    ref = scores if rows is None or not np.any(rows) else scores[np.asarray(rows, dtype=bool)]
    std = ref.std(axis=0)
    std[std == 0] = 1.0
    return ((scores - ref.mean(axis=0)) / std).astype(np.float32)


def keyword_specificity(keyword_hits: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Each code's keyword weight: its inverse document frequency over the turns, mean 1.

    ``log((n + 1) / (df + 1))`` for a code whose keywords match ``df`` of the ``n`` turns (the
    ``rows``, default all), divided by its mean over the codes that match at least once: a
    keyword list that matches a quarter of the corpus ("time", "open") is weaker evidence
    than one that matches a few turns, and the keyword term keeps its overall scale. Codes
    that never match get 1.
    """
    hits = np.asarray(keyword_hits)
    if rows is not None and np.any(rows):
        hits = hits[np.asarray(rows, dtype=bool)]
    df = (hits > 0).sum(axis=0)
    idf = np.log((len(hits) + 1.0) / (df + 1.0))
    used = df > 0
    out = np.ones(hits.shape[1] if hits.ndim == 2 else 0, dtype=np.float64)
    if used.any() and idf[used].mean() > 0:
        out[used] = idf[used] / idf[used].mean()
    return out.astype(np.float32)


def turn_scores(
    semantic: np.ndarray | None,
    keyword_hits: np.ndarray,
    params: CodeParams,
    context: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """The turn-level decision score of every (turn, code).

    ``z(semantic) + question_weight * context + keyword_weight * w * log(1 + keyword hits)``,
    then (with ``centre``) minus the turn's mean over codes, so that a turn that is close to
    everything (a long, on-topic answer) does not get every code. ``context`` is the
    standardised similarity of the interviewer's question to each code (None: no question
    term); ``w`` is the code's :func:`keyword_specificity` (1 with it off). The z-scores and
    ``w`` are measured on ``rows`` (the turns with analytic evidence; None: all). Without a
    semantic coder the score is the keyword term.
    """
    kw = params.keyword_weight * np.log1p(keyword_hits).astype(np.float32)
    if params.keyword_specificity and np.ndim(keyword_hits) == 2 and len(keyword_hits):
        kw = kw * keyword_specificity(keyword_hits, rows)[None, :]
    if semantic is None:
        return kw
    sem = standardise(semantic, rows) if params.standardise else semantic.astype(np.float32)
    out = sem + kw
    if context is not None and params.question_weight:
        out = out + params.question_weight * context
    if params.centre and out.shape[1] > 1:
        out = out - out.mean(axis=1, keepdims=True)
    return out.astype(np.float32)


def question_context(
    semantic: SemanticCoder, question_vectors: np.ndarray | None, n_turns: int
) -> np.ndarray | None:
    """Per-code z-scores of each turn's question, 0 where a turn has no question (or None).

    In a semi-structured interview the question names the topic the answer is about ("what
    got in the way?"), so it is evidence for the answer's codes; rows of zeros mark turns
    without a question (the first answer, survey answers without a prompt).
    """
    if question_vectors is None or not len(question_vectors):
        return None
    question_vectors = np.asarray(question_vectors, dtype=np.float32)
    asked = np.linalg.norm(question_vectors, axis=1) > 0
    out = np.zeros((n_turns, len(semantic.codes)), dtype=np.float32)
    if asked.any():
        out[asked] = standardise(semantic.score(question_vectors[asked]))
    return out


def blended_similarity(
    semantic: SemanticCoder, vectors: np.ndarray, params: CodeParams
) -> np.ndarray:
    """Similarity to each code's centroid, blended with its nearest piece of material."""
    sims = semantic.score(vectors)
    if params.prototype_weight:
        nearest = semantic.nearest_prototype(vectors)
        sims = (1 - params.prototype_weight) * sims + params.prototype_weight * nearest
    return sims.astype(np.float32)


def turn_matrix_scores(
    semantic: SemanticCoder | None,
    turn_vectors: np.ndarray,
    kw_turn: np.ndarray,
    params: CodeParams,
    question_vectors: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Turn scores of the codes and, when the codebook has ``uncoded`` material, of it.

    The uncoded competitor is scored like a code with no keywords and no question term (same
    standardising and centring), so the two are on one scale. ``rows``: the turns the
    z-scores are measured on (:func:`turn_scores`).
    """
    if semantic is None or not len(turn_vectors):
        return turn_scores(None, kw_turn, params, rows=rows), None
    sem = blended_similarity(semantic, turn_vectors, params)
    context = question_context(semantic, question_vectors, len(turn_vectors))
    unc = semantic.score_uncoded(turn_vectors)
    if unc is None:
        return turn_scores(sem, kw_turn, params, context, rows), None
    if context is not None:
        context = np.hstack([context, np.zeros((len(context), 1), dtype=np.float32)])
    ext = turn_scores(
        np.hstack([sem, unc[:, None]]),
        np.hstack([kw_turn, np.zeros((len(kw_turn), 1), dtype=kw_turn.dtype)]),
        params,
        context,
        rows,
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
    analytic: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean (turn, code) matrix: the score reaches the code's threshold and competes.

    With ``relative``, a code must also score within ``relative`` of the turn's best code
    (codes compete for a turn, which usually expresses one or two ideas) and of ``floor``.
    With ``analytic`` (one bool per turn), turns marked False get no code.
    """
    out = (scores >= thresholds) & competition(scores, relative, floor)
    if analytic is not None:
        out &= np.asarray(analytic, dtype=bool)[:, None]
    return out


def analytic_turns(
    semantic: SemanticCoder | None, turn_vectors: np.ndarray, params: CodeParams
) -> np.ndarray | None:
    """Turns with analytic content: closer to some code than to every uncoded example.

    None (every turn may be coded) without the semantic coder or with ``analytic_margin`` unset.
    """
    if semantic is None or params.analytic_margin is None:
        return None
    return semantic.analytic_margin(turn_vectors) > params.analytic_margin
