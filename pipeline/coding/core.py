"""The code stage's pure core: code every respondent turn, then place codes on segments.

The combination rule (ADR 0008): the unit of decision is the respondent turn. A turn's score
for a code combines its semantic similarity and keyword hits (:mod:`pipeline.coding.scoring`);
the turn gets the code when the score reaches the code's threshold and is within ``relative``
of the turn's best code; the supervised coder (when enabled) adds or decides the codes it
predicts. Each coded turn's code is then placed on its segments
(:mod:`pipeline.coding.placement`). With human codes, thresholds are chosen per code on the
*other* interviews (:mod:`pipeline.coding.calibration`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.agreement import coding_matrix
from pipeline.codebook import Codebook
from pipeline.coding.calibration import cross_fit_thresholds
from pipeline.coding.coders import KeywordCoder, SemanticCoder
from pipeline.coding.learner import LearnerInputs, learn_from_review
from pipeline.coding.placement import (
    SegmentEvidence,
    TurnDecisions,
    place_codes,
    rollup,
    segment_scores,
)
from pipeline.coding.scoring import analytic_turns, decide, pool_turns, turn_matrix_scores
from pipeline.encoder import EncodeFn
from pipeline.errors import QualevalError
from pipeline.nonanalytic import nonanalytic_mask
from pipeline.params import CodeParams


@dataclass
class CodingResult:
    """What the code stage produces."""

    segment_codes: pd.DataFrame
    turn_codes: pd.DataFrame
    thresholds: pd.DataFrame
    stats: dict[str, Any]
    turn_scores: pd.DataFrame | None = None  # every (turn, code): score, threshold, machine
    segment_scores: np.ndarray | None = None  # (segments, codes) placement scores


@dataclass
class Turns:
    """The respondent turns of a segments table, in order of first appearance."""

    position: dict[tuple[str, int], int]  # (interview_id, turn_index) -> turn row
    of_segment: np.ndarray  # turn row of each segment
    interview: np.ndarray  # interview of each turn

    @property
    def n(self) -> int:
        """Number of turns."""
        return len(self.position)


def index_turns(segments: pd.DataFrame) -> Turns:
    """Number the turns of ``segments`` and map every segment to its turn."""
    turn_keys = list(zip(segments["interview_id"].astype(str), segments["turn_index"].astype(int)))
    position = {t: i for i, t in enumerate(dict.fromkeys(turn_keys))}
    of_segment = np.array([position[t] for t in turn_keys], dtype=np.int64)
    interview = np.array([t[0] for t in position], dtype=object)
    return Turns(position, of_segment, interview)


#: the rules of :mod:`pipeline.nonanalytic` whose segments are no evidence for a code
NOT_EVIDENCE = frozenset({"self-introduction", "greeting", "contact-detail"})


def evidence_segments(
    texts: list[str], params: CodeParams, contacts: re.Pattern[str] | None = None
) -> np.ndarray:
    """Which segments are evidence for a code: all but the non-analytic ones (ADR 0031).

    With ``drop_nonanalytic`` a segment that :func:`pipeline.nonanalytic.nonanalytic_reason`
    calls a self-introduction, greeting or contact detail (``contacts``: the anonymisation's
    contact placeholders) is left out, as the topics stage leaves it out. Its ``logistics``
    rule is not used here: "the wifi keeps dropping" or "a consent form" can be what the
    evaluation is about, so such talk is left to the meaning gate (``analytic_margin``).
    """
    if not params.drop_nonanalytic:
        return np.ones(len(texts), dtype=bool)
    return ~nonanalytic_mask(texts, contacts, NOT_EVIDENCE)


def _texts(segments: pd.DataFrame) -> list[str]:
    """The segments' texts as strings."""
    return segments["text"].astype(str).tolist()


def _keyword_hits(
    book: Codebook,
    params: CodeParams,
    texts: list[str],
    turns: Turns,
    contacts: re.Pattern[str] | None,
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], str], np.ndarray]:
    """Evidence segments, keyword hits per (segment, code), their evidence, and per-turn sums.

    Only the evidence segments (:func:`evidence_segments`) have hits.
    """
    keep = evidence_segments(texts, params, contacts)
    k = len(book.leaves())
    if "keyword" in params.coders:
        keyword, evidence = KeywordCoder(book).score(texts)
        keyword[~keep] = 0.0
        evidence = {key: v for key, v in evidence.items() if keep[key[0]]}
    else:
        keyword, evidence = np.zeros((len(texts), k), dtype=np.float32), {}
    kw_turn = np.zeros((turns.n, k), dtype=np.float32)
    np.add.at(kw_turn, turns.of_segment, keyword)
    return keep, keyword, evidence, kw_turn


def _semantic_coder(
    book: Codebook, encode: EncodeFn, params: CodeParams, embeddings: np.ndarray, n_segments: int
) -> SemanticCoder | None:
    """The semantic coder when enabled, checked against the segment embeddings' dimension."""
    if "semantic" not in params.coders:
        return None
    semantic = SemanticCoder(book, encode)
    if n_segments:
        dims = (np.shape(embeddings)[-1], semantic.centroids.shape[1])
        if np.ndim(embeddings) != 2 or dims[0] != dims[1]:
            raise QualevalError(
                f"code: the segment embeddings have {dims[0]} dimensions but the codebook's "
                f"vectors {dims[1]}: they come from different models; re-run the embed and "
                "embed_codebook stages with the same embed.model (dvc repro)"
            )
    return semantic


def reviewed_mask(turns: Turns, human_turns: pd.DataFrame | None) -> np.ndarray:
    """Which turns the human codes cover (all of them when ``human_turns`` is ``None``)."""
    if human_turns is None:
        return np.ones(turns.n, dtype=bool)
    mask = np.zeros(turns.n, dtype=bool)
    for iv, ti in zip(human_turns["interview_id"], human_turns["turn_index"]):
        t = turns.position.get((str(iv), int(ti)))
        if t is not None:
            mask[t] = True
    return mask


def _calibrate(
    scores: np.ndarray,
    uncoded: np.ndarray | None,
    turns: Turns,
    human: pd.DataFrame | None,
    codes: list[str],
    params: CodeParams,
    has_semantic: bool,
    reviewed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None, str, np.ndarray | None]:
    """Per-(turn, code) thresholds, uncoded floors, how they were chosen, and the gold matrix.

    Without human codes every turn gets ``default_threshold`` and ``uncoded_bias``; with them
    (and the semantic coder) both are cross-fitted over interviews on the ``reviewed`` turns
    only (a turn nobody coded is not a negative example; ``None``: every turn was coded).
    """
    thresholds = np.full((turns.n, len(codes)), params.default_threshold, dtype=np.float32)
    floors = None if uncoded is None else uncoded + params.uncoded_bias
    calibration = "default"
    gold = None
    if human is not None and turns.n:
        gold = coding_matrix(human, turns.position, codes, dtype=bool)
        if has_semantic:
            thresholds, cf_floors = cross_fit_thresholds(
                scores, turns.interview, gold, params, uncoded, reviewed
            )
            floors = None if uncoded is None else cf_floors
            calibration = f"cross-fitted over interviews ({params.folds} folds)"
            if reviewed is not None and not reviewed.all():
                calibration += f" on the {int(reviewed.sum())} human-coded turns"
    return thresholds, floors, calibration, gold


def _supervised(
    texts: list[str],
    turns: Turns,
    turn_vectors: np.ndarray,
    gold: np.ndarray | None,
    codes: list[str],
    params: CodeParams,
    finetune_model: str | None,
    reviewed: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The supervised coder's cross-fitted turn decisions and probabilities (zeros if off).

    ``reviewed``: the turns with human codes, which train it (``None``: no human codes).
    """
    shape = (turns.n, len(codes))
    if "supervised" not in params.coders:
        return np.zeros(shape, dtype=bool), np.zeros(shape, dtype=np.float32)
    if reviewed is None:
        raise QualevalError(
            "params.yaml: code.coders: 'supervised' needs human codes for training; set "
            "data.human_codes (e.g. a filled-in review sheet) or remove 'supervised'"
        )
    from pipeline.coding.supervised import cross_fit_supervised

    return cross_fit_supervised(
        texts,
        turns.of_segment,
        turn_vectors,
        turns.interview,
        gold,
        codes,
        params,
        finetune_model,
        reviewed,
    )


def _rule_decisions(
    has_semantic: bool,
    scores: np.ndarray,
    thresholds: np.ndarray,
    floors: np.ndarray | None,
    kw_turn: np.ndarray,
    params: CodeParams,
) -> np.ndarray:
    """The codebook rule's turn decisions (the keyword coder alone: a hit codes the turn).

    ``scores`` are already gated: a turn without analytic content scores -inf for every code.
    """
    if has_semantic:
        return decide(scores, thresholds, params.relative, floors)
    return kw_turn > 0


def _all_scores(
    semantic: SemanticCoder | None,
    embeddings: np.ndarray,
    turns: Turns,
    keep: np.ndarray,
    kw_turn: np.ndarray,
    params: CodeParams,
    questions: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Turn scores, the same without keywords, the uncoded competitor's, and gated scores.

    Each turn is pooled over its evidence segments (``keep``); the z-scores are measured on
    the turns that have any, and the others get no code. ``questions``: per segment.
    """
    asked = question_vectors_of_turns(questions, turns)
    evidence = pool_turns(embeddings, turns.of_segment, turns.n, keep)
    alive = np.zeros(turns.n, dtype=bool)
    alive[turns.of_segment[keep]] = True
    scores, uncoded = turn_matrix_scores(semantic, evidence, kw_turn, params, asked, alive)
    zeros = np.zeros_like(kw_turn)
    sem_only, _ = turn_matrix_scores(semantic, evidence, zeros, params, asked, alive)
    analytic = analytic_turns(semantic, evidence, params)
    if not alive.all():
        analytic = alive if analytic is None else analytic & alive
    return scores, sem_only, uncoded, _gate(scores, analytic)


def _gate(scores: np.ndarray, analytic: np.ndarray | None) -> np.ndarray:
    """Scores with every code of a non-analytic turn set to -inf (so calibration agrees)."""
    if analytic is None:
        return scores
    return np.where(analytic[:, None], scores, -np.inf).astype(np.float32)


def question_vectors_of_turns(questions: np.ndarray | None, turns: Turns) -> np.ndarray | None:
    """One question vector per turn from the per-segment question embeddings (or None)."""
    if questions is None:
        return None
    questions = np.asarray(questions, dtype=np.float32)
    if len(questions) != len(turns.of_segment):
        raise QualevalError(
            f"code: {len(turns.of_segment)} segments but {len(questions)} question embeddings; "
            "re-run the embed stage (dvc repro embed)"
        )
    first = np.full(turns.n, -1, dtype=np.int64)
    for i in range(len(turns.of_segment) - 1, -1, -1):
        first[turns.of_segment[i]] = i
    return questions[first] if turns.n else questions[:0]


def _learned(
    by_rule: np.ndarray,
    gated: np.ndarray,
    kw_turn: np.ndarray,
    turn_vectors: np.ndarray,
    gold: np.ndarray | None,
    reviewed: np.ndarray | None,
    turns: Turns,
    params: CodeParams,
) -> tuple[np.ndarray, str]:
    """The learner's decisions from a partial review (ADR 0020), or the rule's.

    Only when the human codes cover part of the turns (a review): a complete human coding is
    a comparison, and the cross-fitted thresholds decide as before.
    """
    if gold is None or reviewed is None or reviewed.all() or not params.learn:
        return by_rule, ""
    x = LearnerInputs(gated, kw_turn, turn_vectors, gold, reviewed, turns.interview, by_rule)
    learned = learn_from_review(x, params)
    if learned is None:
        return by_rule, ""
    return learned[0], "; decided by a model learned from the human-coded turns, cross-fitted"


def _combine(
    by_rule: np.ndarray, sup: np.ndarray, gold: np.ndarray | None, params: CodeParams
) -> tuple[np.ndarray, str]:
    """The final turn decisions from the rule's and the supervised coder's, and a note."""
    if "supervised" not in params.coders:
        return by_rule.copy(), ""
    if params.combine == "supervised":
        # codes with enough human examples follow the supervised coder; the others keep
        # the codebook rule's decisions
        trained = gold.sum(axis=0) >= params.min_positives  # type: ignore[union-attr]
        decided = np.where(trained[None, :], sup, by_rule)
    else:
        decided = by_rule | sup
    member = " with a fine-tuned encoder" if params.finetune_epochs else ""
    return decided, f"; supervised coder{member} cross-fitted over interviews ({params.combine})"


def _threshold_table(codes: list[str], thresholds: np.ndarray) -> pd.DataFrame:
    """Each code's thresholds over the turns (they differ by fold when cross-fitted)."""
    n_turns = len(thresholds)
    return pd.DataFrame(
        {
            "code_id": codes,
            "threshold_mean": thresholds.mean(axis=0).round(4) if n_turns else np.nan,
            "threshold_min": thresholds.min(axis=0).round(4) if n_turns else np.nan,
            "threshold_max": thresholds.max(axis=0).round(4) if n_turns else np.nan,
        }
    )


def _turn_codes(
    seg_codes: pd.DataFrame,
    turns: Turns,
    codes: list[str],
    scores: np.ndarray,
    decided: np.ndarray,
) -> pd.DataFrame:
    """The per-turn roll-up, scored with the turns' decision scores."""
    keys = list(turns.position)
    turn_score = {
        (keys[t][0], keys[t][1], codes[j]): round(float(scores[t, j]), 4)
        for t, j in zip(*np.nonzero(decided))
    }
    return rollup(seg_codes, turn_score)


def turn_score_table(
    turns: Turns, codes: list[str], scores: np.ndarray, thresholds: np.ndarray, decided: np.ndarray
) -> pd.DataFrame:
    """Every (turn, code): decision score, threshold and the machine's decision (turn order)."""
    keys = list(turns.position)
    k = len(codes)
    return pd.DataFrame(
        {
            "interview_id": np.repeat(np.array([key[0] for key in keys], dtype=object), k),
            "turn_index": np.repeat(np.array([key[1] for key in keys], dtype=np.int64), k),
            "code_id": np.tile(np.array(codes, dtype=object), len(keys)),
            "score": np.round(scores.astype(np.float64).ravel(), 4),
            "threshold": np.round(thresholds.astype(np.float64).ravel(), 4),
            "machine": decided.astype(bool).ravel(),
        }
    )


def _score_tables(
    turns: Turns, codes: list[str], scores: np.ndarray, thresholds: np.ndarray, decided: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The thresholds table and the every-(turn, code) score table."""
    return _threshold_table(codes, thresholds), turn_score_table(
        turns, codes, scores, thresholds, decided
    )


def _stats(
    seg_codes: pd.DataFrame,
    turn_codes: pd.DataFrame,
    decided: np.ndarray,
    n_segments: int,
    params: CodeParams,
    calibration: str,
    started: float,
) -> dict[str, Any]:
    """The stage's metrics (counts, methods, how thresholds were chosen, speed)."""
    n_codes = decided.shape[1]
    stats = {
        "segments": n_segments,
        "turns": len(decided),
        "codes": n_codes,
        "coders": list(params.coders),
        "coded_segments": int(seg_codes["segment_id"].nunique()),
        "coded_turns": int(decided.any(axis=1).sum()),
        "segment_codes": len(seg_codes),
        "turn_codes": len(turn_codes),
        "by_method": dict(sorted(seg_codes["method"].value_counts().items())),
        "calibration": calibration,
        "seconds": round(time.perf_counter() - started, 3),
    }
    stats["segments_per_second"] = round(n_segments / max(stats["seconds"], 1e-9), 1)
    return stats


def _check_rows(segments: pd.DataFrame, embeddings: np.ndarray) -> None:
    """One embedding per segment, or a clear error."""
    if len(segments) != len(embeddings):
        raise QualevalError(
            f"code: {len(segments)} segments but {len(embeddings)} embeddings; re-run the "
            "embed stage (dvc repro embed)"
        )


def code_segments(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    book: Codebook,
    params: CodeParams,
    encode: EncodeFn,
    human: pd.DataFrame | None = None,
    finetune_model: str | None = None,
    human_turns: pd.DataFrame | None = None,
    questions: np.ndarray | None = None,
    contacts: re.Pattern[str] | None = None,
) -> CodingResult:
    """Code every respondent turn and place each code on its segments.

    Pure apart from ``encode``, the embedding function for the codebook's texts.

    Args:
        segments: the embed stage's segments table.
        embeddings: one row per segment.
        book: the validated codebook.
        params: the ``code`` block of params.
        encode: ``texts -> L2-normalised array`` (the embed stage's encoder).
        human: optional human codes (``interview_id, turn_index, code_id``) used to
            calibrate thresholds by cross-fitting and to train the supervised coder.
        finetune_model: the encoder folder the supervised coder fine-tunes when
            ``params.finetune_epochs`` is set (``None``: the packaged all-MiniLM-L6-v2).
        human_turns: the turns ``human`` covers; only they calibrate (``None``: every turn).
        questions: per segment, its turn's question embedded (zeros: none), or None.
        contacts: the contact placeholders' regex (no evidence, :func:`evidence_segments`).
    """
    started = time.perf_counter()
    _check_rows(segments, embeddings)
    codes, texts, turns = [c.id for c in book.leaves()], _texts(segments), index_turns(segments)
    keep, keyword, kw_evidence, kw_turn = _keyword_hits(book, params, texts, turns, contacts)
    semantic = _semantic_coder(book, encode, params, embeddings, len(segments))
    turn_vectors = pool_turns(embeddings, turns.of_segment, turns.n)
    scores, sem_only, uncoded, gated = _all_scores(
        semantic, embeddings, turns, keep, kw_turn, params, questions
    )
    reviewed = None if human is None else reviewed_mask(turns, human_turns)
    thresholds, floors, calibration, gold = _calibrate(
        gated, uncoded, turns, human, codes, params, semantic is not None, reviewed
    )
    by_rule = _rule_decisions(semantic is not None, gated, thresholds, floors, kw_turn, params)
    by_rule, how = _learned(by_rule, gated, kw_turn, turn_vectors, gold, reviewed, turns, params)
    sup, sup_proba = _supervised(
        texts, turns, turn_vectors, gold, codes, params, finetune_model, reviewed
    )
    decided, note = _combine(by_rule, sup, gold, params)
    calibration += how + note
    decisions = TurnDecisions(decided, by_rule, sup, sup_proba, kw_turn, sem_only, thresholds)
    seg_scores = segment_scores(semantic, embeddings, keyword)
    evidence = SegmentEvidence(seg_scores, keyword, kw_evidence, embeddings, semantic)
    seg_codes = place_codes(
        segments, turns.of_segment, codes, decisions, evidence, params.segment_threshold
    )
    turn_codes = _turn_codes(seg_codes, turns, codes, scores, decided)
    stats = _stats(seg_codes, turn_codes, decided, len(segments), params, calibration, started)
    thr_table, table = _score_tables(turns, codes, scores, thresholds, decided)
    return CodingResult(seg_codes, turn_codes, thr_table, stats, table, seg_scores)
