"""Placing each coded turn's code on its segments, with the method and evidence behind it.

A coded turn's code goes on the turn's best-scoring segment, on every segment with a keyword
hit for the code, and on every segment whose own score reaches ``segment_threshold``. Each
placed code says which coders decided it (``method``) and why (``evidence``: the keyword
matched, the nearest piece of codebook material, or the supervised probability).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import catalogue
from pipeline.coding.coders import SemanticCoder
from pipeline.coding.scoring import standardise

SEGMENT_CODE_COLUMNS = catalogue.columns("segment_codes")
TURN_CODE_COLUMNS = catalogue.columns("turn_codes")
_SEGMENT_KEY_COLUMNS = ["interview_id", "turn_index", "segment_id", "start", "end"]


@dataclass
class TurnDecisions:
    """Every coder's (turn, code) decisions and what the method labels are read from."""

    decided: np.ndarray  # the final decisions
    by_rule: np.ndarray  # the keyword/semantic rule's decisions
    supervised: np.ndarray  # the supervised coder's decisions
    supervised_proba: np.ndarray  # its probabilities
    keyword_turn: np.ndarray  # keyword hits per (turn, code)
    semantic_only: np.ndarray  # turn scores without the keyword term
    thresholds: np.ndarray  # per (turn, code)


@dataclass
class SegmentEvidence:
    """Per-segment scores and the material evidence is taken from."""

    scores: np.ndarray  # (segments, codes) placement score
    keyword: np.ndarray  # (segments, codes) 1.0 where a keyword or pattern matched
    keyword_evidence: dict[tuple[int, int], str]
    embeddings: np.ndarray
    semantic: SemanticCoder | None


def segment_scores(
    semantic: SemanticCoder | None, embeddings: np.ndarray, keyword: np.ndarray
) -> np.ndarray:
    """Each segment's own score per code: its semantic z-score, else its keyword hits."""
    if semantic is not None and len(keyword):
        return standardise(semantic.score(embeddings))
    return keyword.copy()


def _methods(t: int, j: int, turns: TurnDecisions, has_semantic: bool) -> list[str]:
    """Which coders gave turn ``t`` code ``j``, in the order they are reported."""
    kinds = []
    if turns.by_rule[t, j]:
        if turns.keyword_turn[t, j] > 0:
            kinds.append("keyword")
        if has_semantic and turns.semantic_only[t, j] >= turns.thresholds[t, j]:
            kinds.append("semantic")
        kinds = kinds or (["semantic"] if has_semantic else ["keyword"])
    if turns.supervised[t, j]:
        kinds.append("supervised")
    return kinds


def _evidence(i: int, j: int, proba: float, kinds: list[str], segs: SegmentEvidence) -> str:
    """Why segment ``i`` carries code ``j``: a keyword, the supervised p, or nearest material."""
    if (i, j) in segs.keyword_evidence:
        return segs.keyword_evidence[(i, j)]
    if kinds == ["supervised"]:
        return f"supervised p={proba:.2f}"
    if segs.semantic is not None:
        return segs.semantic.nearest(np.asarray(segs.embeddings[i], dtype=np.float32), j)
    return ""


def _chosen_segments(members: np.ndarray, j: int, segs: SegmentEvidence, threshold: float):
    """The turn's segments that get code ``j``, in segment order."""
    local = segs.scores[members, j] + segs.keyword[members, j]
    chosen = {int(members[int(np.argmax(local))])}
    chosen |= {int(i) for i in members if segs.keyword[i, j] > 0}
    chosen |= {int(i) for i in members if segs.scores[i, j] >= threshold}
    return sorted(chosen)


def place_codes(
    segments: pd.DataFrame,
    turn_of: np.ndarray,
    codes: list[str],
    turns: TurnDecisions,
    segs: SegmentEvidence,
    segment_threshold: float,
) -> pd.DataFrame:
    """One row per (segment, code) placed (``SEGMENT_CODE_COLUMNS``, sorted)."""
    segs_of: dict[int, list[int]] = {}
    for i, t in enumerate(turn_of):
        segs_of.setdefault(int(t), []).append(i)
    seg_cols = segments[_SEGMENT_KEY_COLUMNS].to_numpy()
    rows = []
    for t, j in zip(*np.nonzero(turns.decided)):
        kinds = _methods(t, j, turns, segs.semantic is not None)
        method = "+".join(kinds)
        for i in _chosen_segments(np.array(segs_of[int(t)]), j, segs, segment_threshold):
            evidence = _evidence(i, j, turns.supervised_proba[t, j], kinds, segs)
            iv, ti, sid, start, end = seg_cols[i]
            score = round(float(segs.scores[i, j]), 4)
            key = (str(iv), int(ti), str(sid), int(start), int(end))
            rows.append((*key, codes[j], score, method, evidence))
    seg_codes = pd.DataFrame(rows, columns=list(SEGMENT_CODE_COLUMNS))
    seg_codes = seg_codes.sort_values(["interview_id", "turn_index", "segment_id", "code_id"])
    return seg_codes.reset_index(drop=True)


def rollup(
    seg_codes: pd.DataFrame, turn_scores: dict[tuple[str, int, str], float] | None = None
) -> pd.DataFrame:
    """Per (turn, code): score, number of segments, methods and the best segment's evidence.

    ``score`` is the turn's decision score from ``turn_scores`` where given (keyed by
    ``(interview_id, turn_index, code_id)``), else the best segment's score.
    """
    if seg_codes.empty:
        return pd.DataFrame(columns=list(TURN_CODE_COLUMNS))
    best = seg_codes.sort_values("score", ascending=False, kind="mergesort").drop_duplicates(
        ["interview_id", "turn_index", "code_id"]
    )
    agg = seg_codes.groupby(["interview_id", "turn_index", "code_id"], sort=True).agg(
        n_segments=("segment_id", "nunique"),
        methods=("method", lambda s: "|".join(sorted(set(s)))),
    )
    out = agg.join(
        best.set_index(["interview_id", "turn_index", "code_id"])[["score", "evidence"]]
    ).reset_index()
    if turn_scores is not None:
        keys = zip(out["interview_id"], out["turn_index"], out["code_id"])
        out["score"] = [turn_scores.get(key, s) for key, s in zip(keys, out["score"])]
    out["n_segments"] = out["n_segments"].astype("int32")
    return out[list(TURN_CODE_COLUMNS)]
