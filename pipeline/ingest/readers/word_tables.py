"""Word tables that hold a transcript: a speaker column, an optional time column, a text column.

The columns are found from a header row (``Speaker``/``Name``, ``Time``/``Timestamp``,
``Text``/``Transcript``/...), else from the cells: a column of times is the time column, the
column of the longest cells is the text, and a column of short repeated labels is the speaker.
A table with none of this (a layout table, a form) is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.labels import label_shape_ok, speaker_key, ts_seconds
from pipeline.ingest.units import Line

_SPEAKER_HEADS = {"speaker", "speakers", "name", "who", "person", "speaker name", "participant"}
_TEXT_HEADS = {
    "text",
    "transcript",
    "transcription",
    "utterance",
    "speech",
    "words",
    "dialogue",
    "content",
    "what was said",
}
_TIME_HEADS = {"time", "timestamp", "time stamp", "start", "start time", "timecode", "at"}
_TIME_CELL = re.compile(r"^[\[(]?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?$")


@dataclass(frozen=True)
class Columns:
    """Where a transcript table keeps its speaker, text and (optional) time."""

    speaker: int
    text: int
    time: int | None
    first_row: int  # 1 after a header row, else 0


def _from_header(header: list[str]) -> Columns | None:
    keys = [speaker_key(h) for h in header]

    def find(heads: set[str]) -> int | None:
        return next((i for i, k in enumerate(keys) if k in heads), None)

    speaker, text = find(_SPEAKER_HEADS), find(_TEXT_HEADS)
    if speaker is None or text is None or speaker == text:
        return None
    return Columns(speaker, text, find(_TIME_HEADS), 1)


def _from_cells(rows: list[list[str]]) -> Columns | None:
    """Infer the columns of a table with no header row (at least two rows)."""
    if len(rows) < 2:
        return None
    width = min(len(r) for r in rows)
    cols = [[r[i].strip() for r in rows] for i in range(width)]
    time = next((i for i, c in enumerate(cols) if all(_TIME_CELL.match(v) for v in c if v)), None)
    rest = [i for i in range(width) if i != time]
    if len(rest) < 2:
        return None
    text = max(rest, key=lambda i: sum(len(v) for v in cols[i]))
    for i in rest:
        values = [v for v in cols[i] if v]
        if i == text or not values:
            continue
        short = all(label_shape_ok(v) for v in values)
        if short and len({speaker_key(v) for v in values}) < len(values):
            return Columns(i, text, time, 0)
    return None


def table_columns(rows: list[list[str]]) -> Columns | None:
    """The columns of a transcript table, or None when the table is not a transcript."""
    if not rows or min(len(r) for r in rows) < 2:
        return None
    return _from_header(rows[0]) or _from_cells(rows)


def table_lines(rows: list[list[str]], first_no: int) -> list[Line]:
    """One unit per data row of a transcript table (numbered from ``first_no``); else none.

    A row with a blank speaker cell continues the previous speaker.
    """
    cols = table_columns(rows)
    if cols is None:
        return []
    out = []
    for row in rows[cols.first_row :]:
        label = row[cols.speaker].strip().rstrip(":").strip() or None
        text = " ".join(row[cols.text].split())
        start = None
        if cols.time is not None and _TIME_CELL.match(row[cols.time].strip()):
            start = ts_seconds(row[cols.time].strip().strip("[]()"))
        if label or text:
            out.append(Line(first_no + len(out), text, label, start))
    return out
