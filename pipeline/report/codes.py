"""The codebook as the report's tables use it, and the coded segments.

Themes, their leaves, labels and order; one row per (code row, segment), theme rows added,
segment text attached.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.report.model import Inputs


class Codes:
    """Top-level themes, their leaves, labels and order, from the codebook."""

    def __init__(self, book: Any) -> None:
        """Index ``book``'s codes: each code's theme, each theme's leaves, the table rows."""
        self.by_id = book.by_id()
        self.order = {c.id: i for i, c in enumerate(book.codes)}
        leaves = book.leaves()
        self.leaves = [c.id for c in leaves]
        self.top: dict[str, str] = {}
        for c in book.codes:
            cur = c
            while cur.parent is not None and cur.parent in self.by_id:
                cur = self.by_id[cur.parent]
            self.top[c.id] = cur.id
        self.themes = [c.id for c in book.codes if c.parent is None]
        self.leaves_of = {t: [c for c in self.leaves if self.top[c] == t] for t in self.themes}
        # rows of code tables: each theme, then its leaves (a leaf theme appears once)
        self.rows = []
        for t in self.themes:
            self.rows.append(t)
            self.rows += [c for c in self.leaves_of[t] if c != t]

    def label(self, code_id: str) -> str:
        """The code's label."""
        return self.by_id[code_id].label

    def level(self, code_id: str) -> str:
        """``theme`` for a top-level code, else ``sub-theme``."""
        return "theme" if self.by_id[code_id].parent is None else "sub-theme"


def coded_segments(inputs: Inputs, codes: Codes) -> pd.DataFrame:
    """Segment codes with theme rows added: one row per (code row, segment).

    Raises:
        QualevalError: when a code is not in the codebook or an interview is not in the
            interviews table.
    """
    sc = inputs.segment_codes
    unknown = sorted(set(sc["code_id"].astype(str)) - set(codes.by_id))
    if unknown:
        raise QualevalError(
            f"segment codes: unknown code {unknown[0]!r}; was the coding done with this codebook?"
        )
    known_iv = set(inputs.interviews["interview_id"].astype(str))
    sc = sc.assign(interview_id=sc["interview_id"].astype(str), code_id=sc["code_id"].astype(str))
    stray = sorted(set(sc["interview_id"]) - known_iv)
    if stray:
        raise QualevalError(
            f"segment codes: interview {stray[0]!r} is not in the interviews table; re-run the "
            "pipeline so both come from the same transcripts"
        )
    if "method" not in sc.columns:
        sc = sc.assign(method="")
    base = sc[["interview_id", "segment_id", "code_id", "score", "method"]].assign(
        method=lambda d: d["method"].fillna("").astype(str)
    )
    theme = base.assign(code_id=base["code_id"].map(codes.top))
    theme = theme[theme["code_id"] != base["code_id"]]
    out = pd.concat([base, theme], ignore_index=True)
    return out.drop_duplicates(["code_id", "segment_id"]).reset_index(drop=True)


def preceding_text(segments: pd.DataFrame) -> pd.Series:
    """segment_id -> the text of the segment before it in the same turn (``""`` for the first).

    A quote that opens with "And" or "It" is given its previous sentence from this.
    """
    if "segment_index" not in segments.columns or "turn_index" not in segments.columns:
        return pd.Series("", index=segments["segment_id"], dtype=object)
    ordered = segments.sort_values(["interview_id", "turn_index", "segment_index"], kind="stable")
    prev = ordered.groupby(["interview_id", "turn_index"], sort=False)["text"].shift(1)
    return pd.Series(prev.fillna("").to_numpy(), index=ordered["segment_id"].to_numpy())


def attach_text(coded: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """``coded`` with each segment's ``text`` (in place, as the report always did).

    Raises:
        QualevalError: when a coded segment is not in the segments table.
    """
    segs = segments.drop_duplicates("segment_id")
    texts = segs.set_index("segment_id")["text"]
    coded["text"] = coded["segment_id"].map(texts)
    coded["before"] = coded["segment_id"].map(preceding_text(segs)).fillna("")
    lost = coded["text"].isna()
    if lost.any():
        raise QualevalError(
            f"segment codes: segment {coded.loc[lost, 'segment_id'].iloc[0]!r} is not in the "
            "segments table; re-run the code stage on the current segments"
        )
    return coded
