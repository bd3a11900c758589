"""Tables as a reader sees them in the documents: human column headers and percentages.

The CSVs keep their stable machine columns (``code_id``, ``share``); the report's documents
(Markdown, HTML, Word, PDF) show each table through :func:`printable`: ids dropped where a
label stands beside them, column names in words, shares as whole percentages.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

#: machine column -> header in the documents
HEADERS = {
    "theme": "Theme",
    "parent_theme": "Parent theme",
    "level": "Level",
    "n_interviews": "Interviews",
    "of": "Of",
    "share": "Share",
    "quantifier": "How many",
    "n_segments": "Segments",
    "theme_a": "Sub-theme",
    "theme_b": "Occurs with",
    "rank": "Rank",
    "quote": "Quote",
    "attribution": "Attributed to",
    "label": "Topic",
    "keywords": "Keywords",
    "nearest_code": "Nearest code",
    "nearest_code_share": "Share coded with it",
    "reason": "Why it may be new",
    "section": "Section",
    "item": "Item",
    "value": "Value",
    "table": "Table",
    "cells": "Cells",
    "rows": "Rows",
    "topic_id": "Topic no.",
}
#: ids that a label column already names: dropped from the documents
ID_COLUMNS = {"code_id": "theme", "code_a": "theme_a", "code_b": "theme_b"}
#: columns shown as percentages
PERCENT = re.compile(r"(^|_)share$")


def percent(v: Any) -> str:
    """``0.6744`` as ``67%``; empty for a missing value."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        return f"{round(100 * float(v)):d}%"
    except (TypeError, ValueError):
        return str(v)


def header(name: Any) -> str:
    """A machine column name in words (``n_interviews`` -> ``Interviews``).

    A group column keeps its size: ``london_borough (n=3)`` -> ``London borough (n=3)``, as
    the sample profile heads the same group.
    """
    s = str(name)
    if s in HEADERS:
        return HEADERS[s]
    group = re.fullmatch(r"([a-z0-9_]+)( \(n=\d+\))", s)
    if group:
        return header(group.group(1)) + group.group(2)
    if re.fullmatch(r"[a-z0-9_]+", s):
        return s.replace("_", " ").capitalize()
    return s


def printable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as the documents show it (ids dropped, headers in words, percentages)."""
    drop = [c for c, label in ID_COLUMNS.items() if c in frame.columns and label in frame]
    out = frame.drop(columns=drop)
    if {"n_interviews", "of"} <= set(out.columns):  # "29 of 43" reads better than two columns
        out = out.assign(
            n_interviews=[f"{n} of {o}" for n, o in zip(out["n_interviews"], out["of"])]
        )
        out = out.drop(columns=["of"])
    for c in out.columns:
        if PERCENT.search(str(c)):
            out[c] = out[c].map(percent)
    return out.rename(columns={c: header(c) for c in out.columns})
