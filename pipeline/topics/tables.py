"""The tables the topics stage writes: each one's columns and the one map of their dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import catalogue
from pipeline.params import TopicsParams
from pipeline.topics.emergent import emergent_reason, is_emergent
from pipeline.topics.fine import fine_reason
from pipeline.topics.labels import OUTLIER_LABEL

TOPIC_COLUMNS = catalogue.columns("topics")
SEGMENT_TOPIC_COLUMNS = catalogue.columns("segment_topics")
QUOTE_COLUMNS = catalogue.columns("topic_quotes")
TOPIC_CODE_COLUMNS = catalogue.columns("topic_codes")
EMERGENT_COLUMNS = catalogue.columns("emergent_topics")
# the emergent table's ``basis``: which rule flagged the topic
COVERAGE, FINER_THEME = "coverage", "finer theme"
# one dtype per column name, whichever table the column is in
DTYPES = {
    "topic_id": "int32",
    "label": "string",
    "keywords": "string",
    "n_segments": "int32",
    "n_interviews": "int32",
    "share": "float64",
    "top_code_id": "string",
    "top_code_share": "float64",
    "coded_share": "float64",
    "emergent": "bool",
    "reason": "string",
    "basis": "string",
    "segment_id": "string",
    "interview_id": "string",
    "turn_index": "int32",
    "initial_topic_id": "int32",
    "probability": "float64",
    "rank": "int32",
    "text": "string",
    "code_id": "string",
    "representative": "string",
}


def dtypes(columns: tuple[str, ...]) -> dict[str, str]:
    """The dtypes of ``columns``, in their order."""
    return {c: DTYPES[c] for c in columns}


def segment_topics_table(
    seg: pd.DataFrame, initial: np.ndarray, final: np.ndarray, probability: np.ndarray
) -> pd.DataFrame:
    """One row per modelled segment: its topic before and after outlier reduction."""
    return pd.DataFrame(
        {
            "segment_id": seg["segment_id"].astype(DTYPES["segment_id"]),
            "interview_id": seg["interview_id"].astype(DTYPES["interview_id"]),
            "turn_index": seg["turn_index"].astype(DTYPES["turn_index"]),
            "topic_id": final.astype(DTYPES["topic_id"]),
            "initial_topic_id": initial.astype(DTYPES["initial_topic_id"]),
            "probability": np.round(probability, 6).astype(DTYPES["probability"]),
        }
    )[list(SEGMENT_TOPIC_COLUMNS)]


def topic_code_table(assign: pd.DataFrame, segment_codes: pd.DataFrame) -> pd.DataFrame:
    """Long form topic x code: segments of each topic carrying each code, and their share.

    Args:
        assign: ``segment_id`` and ``topic_id`` of the modelled segments.
        segment_codes: one row per (segment, code) applied (``segment_id``, ``code_id``).
    """
    sizes = assign.groupby("topic_id")["segment_id"].nunique()
    codes = segment_codes[["segment_id", "code_id"]].astype(str).drop_duplicates()
    merged = assign[["segment_id", "topic_id"]].merge(codes, on="segment_id", how="inner")
    if merged.empty:
        out = pd.DataFrame(columns=list(TOPIC_CODE_COLUMNS))
    else:
        out = (
            merged.groupby(["topic_id", "code_id"])["segment_id"]
            .nunique()
            .rename("n_segments")
            .reset_index()
        )
        out["share"] = out["n_segments"] / out["topic_id"].map(sizes)
        out = out.sort_values(
            ["topic_id", "n_segments", "code_id"], ascending=[True, False, True], kind="mergesort"
        )
    return out.reset_index(drop=True).astype(dtypes(TOPIC_CODE_COLUMNS))[list(TOPIC_CODE_COLUMNS)]


def topics_table(
    seg_topics: pd.DataFrame,
    words: dict[int, list[str]],
    labels: dict[int, str],
    topic_codes: pd.DataFrame,
    params: TopicsParams,
    n_all: int,
    coded: set[str],
    fine: dict[int, float] | None = None,
) -> pd.DataFrame:
    """One row per topic: size, keywords, its most frequent code and whether it is emergent.

    A topic of ``fine`` (a finer theme carved out, ADR 0025) is emergent whatever its codes.
    """
    fine = fine or {}
    rows = []
    for t, grp in seg_topics.groupby("topic_id", sort=True):
        t = int(t)
        codes = topic_codes[topic_codes["topic_id"] == t]
        top_code = codes.iloc[0] if len(codes) else None
        top_share = float(top_code["share"]) if top_code is not None else 0.0
        coded_share = float(grp["segment_id"].isin(coded).mean()) if len(grp) else 0.0
        rows.append(
            {
                "topic_id": t,
                "label": labels.get(t, OUTLIER_LABEL if t == -1 else ""),
                "keywords": "; ".join(words.get(t, [])[: params.top_n_words]),
                "n_segments": len(grp),
                "n_interviews": grp["interview_id"].nunique(),
                "share": round(len(grp) / n_all, 6) if n_all else 0.0,
                "top_code_id": str(top_code["code_id"]) if top_code is not None else None,
                "top_code_share": round(top_share, 6),
                "coded_share": round(coded_share, 6),
                "emergent": t in fine or is_emergent(t, coded_share, params.emergent_threshold),
            }
        )
    out = pd.DataFrame(rows, columns=list(TOPIC_COLUMNS))
    return out.astype(dtypes(TOPIC_COLUMNS))


def emergent_table(
    topics: pd.DataFrame,
    params: TopicsParams,
    code_labels: dict[str, str],
    fine: dict[int, float] | None = None,
) -> pd.DataFrame:
    """The emergent topics, each with the reason in words (code ids with their labels).

    ``basis`` says which rule flagged it, for readers that word the reason their own way:
    ``coverage`` (too few of its segments coded) or ``finer theme`` (carved from the material
    the codebook covers least, ADR 0025).
    """
    fine = fine or {}
    rows = []
    for r in topics[topics["emergent"]].itertuples(index=False):
        if int(r.topic_id) in fine:
            reason, basis = fine_reason(fine[int(r.topic_id)]), FINER_THEME
        else:
            reason, basis = emergent_reason(r, params.emergent_threshold, code_labels), COVERAGE
        own = {c: getattr(r, c) for c in EMERGENT_COLUMNS if c not in ("reason", "basis")}
        rows.append(own | {"reason": reason, "basis": basis})
    out = pd.DataFrame(rows, columns=list(EMERGENT_COLUMNS))
    return out.astype(dtypes(EMERGENT_COLUMNS))
