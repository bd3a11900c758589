"""Units -> speaker segments -> turns: labels start segments, consecutive ones merge.

Text before the first label is the preamble. A text line wraps into the current paragraph
until a blank line; a docx paragraph is a paragraph; subtitle cues of one speaker join, and
so do consecutive speaker blocks (Otter.ai, Teams .docx) of one speaker. A bracketed
organisation or role after a name (``Rebecca Holt (Little Steps CIC)``) is not part of the
label, and never part of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.labels import (
    accepted_labels,
    match_label,
    name_part,
    speaker_key,
    strip_timestamp,
)
from pipeline.ingest.units import Line
from pipeline.params import IngestParams

WORD = re.compile(r"\S+")


@dataclass
class Segment:
    """The words of one speaker from one label to the next (a turn once merged)."""

    key: str
    label: str
    paras: list[str]
    first: int
    last: int
    start: float | None
    end: float | None
    new_para: bool = False


def _resolve(line: Line, accepted: set[str] | None) -> tuple[str | None, str, float | None]:
    """The line's speaker label (markup, or an accepted prefix), its words and its start.

    ``accepted`` is None for speaker blocks: labels then come from markup only.
    """
    text, label, start = line.text, line.label, line.start
    if label is not None:
        label = name_part(label)
    elif accepted is not None:
        hit = match_label(line)
        if hit and speaker_key(hit[0]) in accepted:
            label, text, ts = hit
            start = ts if ts is not None else start
        else:
            text, start = strip_timestamp(text, start)
    return label, text.strip(), start


def _open_segment(line: Line, label: str, text: str, start: float | None, unit: str) -> Segment:
    seg = Segment(
        speaker_key(label),
        " ".join(label.split()),
        [],
        line.no,
        line.no,
        start,
        line.end if line.end is not None else start,
    )
    if text:
        seg.paras.append(text)
    seg.new_para = unit == "paragraph"
    return seg


def _continue_segment(cur: Segment, line: Line, text: str, unit: str) -> None:
    if not text:
        cur.new_para = True
        return
    if not cur.paras or cur.new_para:
        cur.paras.append(text)
    else:
        cur.paras[-1] += " " + text
    # a docx paragraph is a paragraph; text lines wrap until a blank line
    cur.new_para = unit == "paragraph"
    cur.last = line.no
    if line.end is not None:
        cur.end = line.end


def segments(
    lines: list[Line], unit: str, params: IngestParams, known: set[str], blocks: bool = False
) -> tuple[list[Line], list[Segment]]:
    """Split units into the preamble (before any label) and one segment per label.

    With ``blocks`` (speaker blocks), only the units' markup labels start segments.
    """
    accepted = None if blocks else accepted_labels(lines, params, known)
    preamble: list[Line] = []
    segs: list[Segment] = []
    cur: Segment | None = None
    for line in lines:
        label, text, start = _resolve(line, accepted)
        if label is not None:
            cur = _open_segment(line, label, text, start, unit)
            segs.append(cur)
        elif cur is None:
            if text:
                preamble.append(line)
        else:
            _continue_segment(cur, line, text, unit)
    return preamble, segs


def merge(segs: list[Segment], unit: str, blocks: bool = False) -> list[Segment]:
    """Merge consecutive segments by one speaker into turns; drop labels with no words.

    Subtitle cues, and speaker blocks (``blocks``), join the next one's first paragraph to
    the last one with one space; other segments keep their paragraphs.
    """
    turns: list[Segment] = []
    for s in segs:
        if not s.paras:
            continue
        if turns and turns[-1].key == s.key:
            t = turns[-1]
            if unit == "cue":
                t.paras[-1] = " ".join([t.paras[-1], *s.paras])
            elif blocks:
                t.paras[-1] = f"{t.paras[-1]} {s.paras[0]}"
                t.paras.extend(s.paras[1:])
            else:
                t.paras.extend(s.paras)
            t.last = s.last
            t.end = s.end if s.end is not None else t.end
        else:
            turns.append(s)
    return turns
