"""The stance stage's pure core: stance towards each code's aspect, per segment and per turn.

:class:`StanceModel` is built once from the codebook, its vectors and the ``stance`` params;
:func:`stance_tables` applies it to the code stage's tables. For one (turn, code):

1. every segment of the turn gets a weight for the code (:func:`~pipeline.stance.aspect.
   segment_weights`): all of it when the turn has one code, else its share of a softmax of
   its relevance to the turn's codes; a short opening answer always counts;
2. each segment's positive and negative evidence (:func:`~pipeline.stance.polarity.polarity`)
   is averaged with those weights (so a long turn is not mixed merely by being long), plus
   ``prior_weight`` times the code's valence prior on its side;
3. :func:`~pipeline.stance.polarity.decide` turns the two sums into positive, negative, mixed
   or neutral.

A segment's own stance (the segment table) is step 2 and 3 on that segment alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import pipeline.stance.aspect as aspect
from pipeline import catalogue
from pipeline.codebook import Codebook
from pipeline.params import StanceParams
from pipeline.stance.lexicon import Lexicon
from pipeline.stance.polarity import decide, net_score, polarity

STANCES = ("positive", "negative", "mixed", "neutral")
STANCE_COLUMNS = catalogue.columns("stance")
TURN_STANCE_COLUMNS = catalogue.columns("stance_turns")
INTERVIEW_STANCE_COLUMNS = catalogue.columns("stance_interviews")
_SEGMENT_NEEDS = catalogue.required(
    "segments", "segment_id", "interview_id", "turn_index", "segment_index", "text", "n_words"
)


@dataclass
class StanceResult:
    """The stage's outputs: the segment, turn and interview tables and the counts."""

    segments: pd.DataFrame
    turns: pd.DataFrame
    interviews: pd.DataFrame
    stats: dict[str, Any]


class StanceModel:
    """The lexicon, the codes' centroids and valence priors, and the settings."""

    def __init__(self, book: Codebook, vectors: pd.DataFrame, settings: StanceParams) -> None:
        """Build the lexicon (aspect words masked), centroids and priors."""
        self.settings = settings
        self.codes = [c.id for c in book.leaves()]
        self.column = {c: j for j, c in enumerate(self.codes)}
        self.lexicon = Lexicon(aspect.label_words(book), settings.extra_cues)
        self.centroids = aspect.centroids(vectors, self.codes)
        self.priors = aspect.priors(book, self.lexicon, settings.contrast_weight)
        self.aspects = aspect.aspect_words(book)
        self._cache: dict[tuple[str, str], tuple[float, float]] = {}

    def code_evidence(self, text: str, code: str) -> tuple[float, float]:
        """Positive and negative evidence of ``text`` towards ``code``'s aspect (cached)."""
        key = (text, code)
        if key not in self._cache:
            p = polarity(text, self.lexicon, self.settings.contrast_weight, self.aspects.get(code))
            self._cache[key] = (p.positive, p.negative)
        return self._cache[key]

    def evidence(self, segments: pd.DataFrame) -> pd.DataFrame:
        """``segments`` with ``positive`` and ``negative`` evidence columns added."""
        pols = [polarity(t, self.lexicon, self.settings.contrast_weight) for t in segments["text"]]
        out = segments.copy()
        out["positive"] = [p.positive for p in pols]
        out["negative"] = [p.negative for p in pols]
        return out

    def _with_prior(
        self, code: str, pos: float, neg: float, frame: float = 0.0
    ) -> tuple[float, float]:
        s = self.settings
        lean = self.priors.get(code, 0.0) * s.prior_weight + frame * s.question_weight
        return pos + max(lean, 0.0), neg + max(-lean, 0.0)

    def _decide(
        self, code: str, pos: float, neg: float, frame: float = 0.0
    ) -> tuple[str, float, float, float]:
        pos, neg = self._with_prior(code, pos, neg, frame)
        s = self.settings
        return decide(pos, neg, s.neutral_threshold, s.mixed_ratio), net_score(pos, neg), pos, neg

    def _pair(
        self, code: str, codes: list[str], segs: pd.DataFrame, rel: np.ndarray, frame: float
    ) -> tuple:
        """Stance of one turn (its segments ``segs``) towards ``code``: the row's tail."""
        s = self.settings
        others = [self.column[c] for c in codes if c != code and c in self.column]
        opening = (segs["segment_index"] == segs["segment_index"].min()).to_numpy()
        opening &= (segs["n_words"] <= s.opening_words).to_numpy()
        w = aspect.segment_weights(
            rel[segs["_row"].to_numpy()],
            self.column[code],
            others,
            opening,
            temperature=s.temperature,
            opening_weight=s.opening_weight,
        )
        ev = np.array([self.code_evidence(t, code) for t in segs["text"]])
        p, n = ev[:, 0], ev[:, 1]
        total = max(float(w.sum()), 1e-9)
        # elementwise then summed in order, and rounded: a BLAS dot's last bit is the CPU's
        pos_share = round(float(np.sum(w * p)) / total, 9)
        neg_share = round(float(np.sum(w * n)) / total, 9)
        stance, score, pos, neg = self._decide(code, pos_share, neg_share, frame)
        best = int(np.argmax(w * (p + n) + w * 1e-9))
        return stance, score, pos, neg, int((w > 0).sum()), segs["segment_id"].iloc[best]

    def turn_stance(
        self,
        pairs: pd.DataFrame,
        scored: pd.DataFrame,
        rel: np.ndarray,
        questions: dict[tuple[str, int], str] | None = None,
    ) -> pd.DataFrame:
        """One row per (turn, code) of ``pairs`` (columns :data:`TURN_STANCE_COLUMNS`).

        ``scored`` is the segments table (with ``text``), ``rel`` its relevance matrix
        (same row order), ``questions`` the interviewer's question before each turn. A pair
        whose turn has no segment leans only on the prior and the question.
        """
        questions = questions or {}
        scored = scored.assign(_row=np.arange(len(scored)))
        by_turn = {
            k: g.sort_values("segment_index")
            for k, g in scored.groupby(["interview_id", "turn_index"], sort=False)
        }
        rows = []
        for (iv, ti), group in pairs.groupby(["interview_id", "turn_index"], sort=True):
            codes = sorted(set(group["code_id"]))
            segs = by_turn.get((iv, int(ti)))
            frame = self.lexicon.question_frame(questions.get((iv, int(ti)), ""))
            for code in codes:
                if segs is None or code not in self.column:
                    stance, score, pos, neg = self._decide(code, 0.0, 0.0, frame)
                    rows.append((iv, int(ti), code, stance, score, pos, neg, 0, None))
                else:
                    rows.append((iv, int(ti), code, *self._pair(code, codes, segs, rel, frame)))
        return _turn_frame(rows)

    def segment_stance(self, segment_codes: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
        """One row per (segment, code) of ``segment_codes`` (columns :data:`STANCE_COLUMNS`)."""
        text = scored.set_index("segment_id")["text"]
        rows = []
        for r in segment_codes.sort_values(
            ["interview_id", "turn_index", "segment_id", "code_id"]
        ).itertuples(index=False):
            found = r.segment_id in text.index
            pos, neg = self.code_evidence(text.loc[r.segment_id], r.code_id) if found else (0, 0)
            stance, score, pos, neg = self._decide(r.code_id, float(pos), float(neg))
            rows.append(
                (
                    r.segment_id,
                    r.interview_id,
                    int(r.turn_index),
                    r.code_id,
                    stance,
                    score,
                    pos,
                    neg,
                )
            )
        return _segment_frame(rows)


def _turn_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(TURN_STANCE_COLUMNS))
    return df.astype(
        {
            "interview_id": "string",
            "turn_index": "int64",
            "code_id": "string",
            "stance": "string",
            "score": "float64",
            "positive": "float64",
            "negative": "float64",
            "n_segments": "int64",
            "evidence_segment_id": "string",
        }
    )


def _segment_frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(STANCE_COLUMNS))
    return df.astype(
        {
            "segment_id": "string",
            "interview_id": "string",
            "turn_index": "int64",
            "code_id": "string",
            "stance": "string",
            "score": "float64",
            "positive": "float64",
            "negative": "float64",
        }
    )


def questions(turns: pd.DataFrame) -> dict[tuple[str, int], str]:
    """The interviewer's last turn before each other turn: ``(interview, turn) -> text``."""
    out: dict[tuple[str, int], str] = {}
    for iv, g in turns.sort_values(["interview_id", "turn_index"]).groupby(
        "interview_id", sort=True
    ):
        last = ""
        for r in g.itertuples(index=False):
            if r.speaker_role == "interviewer":
                last = str(r.text)
            else:
                out[(str(iv), int(r.turn_index))] = last
    return out


def counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows have each stance (every stance listed, zeros included)."""
    found = table["stance"].value_counts()
    return {s: int(found.get(s, 0)) for s in STANCES}


def stance_tables(
    model: StanceModel,
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    turn_codes: pd.DataFrame,
    asked: dict[tuple[str, int], str] | None = None,
) -> tuple[StanceResult, pd.DataFrame, np.ndarray]:
    """Stance of every coded segment and coded turn.

    ``asked`` is :func:`questions` of the turns table (the question before each turn).

    Returns:
        the result (tables and counts), the segments with their evidence and the relevance
        matrix (so gold pairs can be scored without recomputing them).
    """
    scored = model.evidence(segments)
    rel = aspect.relevance(embeddings, model.centroids)
    turns = model.turn_stance(turn_codes, scored, rel, asked)
    segs = model.segment_stance(segment_codes, scored)
    interviews = interview_stance(turns)
    stats: dict[str, Any] = {
        "turn_codes": len(turns),
        "segment_codes": len(segs),
        "turns_by_stance": counts(turns),
        "segments_by_stance": counts(segs),
        "interviews_by_stance": counts(interviews),
    }
    return StanceResult(segs, turns, interviews, stats), scored, rel


def interview_stance(turns: pd.DataFrame) -> pd.DataFrame:
    """One row per (interview, code): the interview's stance and its turns' stances.

    The interview's ``stance`` is mixed when its non-neutral turns disagree, else their
    stance; neutral when every turn is neutral (columns :data:`INTERVIEW_STANCE_COLUMNS`).
    """
    rows = []
    for (iv, code), g in turns.groupby(["interview_id", "code_id"], sort=True):
        n = counts(g)
        views = [v for v in ("positive", "negative", "mixed") if n[v]]
        stance = "neutral" if not views else views[0] if len(views) == 1 else "mixed"
        rows.append((iv, code, stance, len(g), *(n[v] for v in STANCES)))
    df = pd.DataFrame(rows, columns=list(INTERVIEW_STANCE_COLUMNS))
    return df.astype(
        {"interview_id": "string", "code_id": "string", "stance": "string"}
        | {c: "int64" for c in INTERVIEW_STANCE_COLUMNS[3:]}
    )
