"""Speaker labels: what a label-shaped line prefix looks like and which ones are speakers.

A label is ``Name:`` at the start of a line, optionally bold (``**Name:**``) and with a
timestamp before or after (``[00:01:02] Name:``, ``Name (01:02):``).
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.ingest.units import Line
from pipeline.params import IngestParams

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LABEL_LINE = re.compile(
    rf"^\s*(?:[\[(]?(?P<ts>{_TS})[\])]?\s*[-\u2013]?\s*)?"
    r"(?:\*\*|__)?(?P<label>[^\W\d_][\w'\u2019.\- ]{0,40}?)\s*(?:\*\*|__)?"
    rf"\s*(?:[\[(](?P<ts2>{_TS})[\])])?\s*"
    r":(?:\*\*|__)?(?:\s+|$)(?P<rest>.*)$"
)
_TS_ONLY = re.compile(rf"^\s*[\[(]?(?P<ts>{_TS})[\])]?\s*[-\u2013]?\s*(?P<rest>.*)$")


def ts_seconds(value: str | None) -> float | None:
    """Seconds of a ``[H:]MM:SS[.mmm]`` timestamp (comma or dot decimals); None if blank."""
    if not value:
        return None
    parts = value.replace(",", ".").split(":")
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    return secs


def label_shape_ok(label: str) -> bool:
    """True for 1-4 capitalised words (or an all-caps label) of at most 40 characters."""
    words = label.split()
    if not 1 <= len(words) <= 4 or len(label) > 40:
        return False
    if label.isupper():
        return True
    return all(w[0].isupper() or w[0].isdigit() for w in words)


def speaker_key(label: str) -> str:
    """Normalise a speaker label for comparison ("INTERVIEWER " == "Interviewer")."""
    return " ".join(label.replace("\u2019", "'").split()).strip(" .-").casefold()


def match_label(line: Line) -> tuple[str, str, float | None] | None:
    """Return (label, rest, timestamp) if the line starts with a label-shaped prefix."""
    m = _LABEL_LINE.match(line.text)
    if not m:
        return None
    label = m.group("label").strip()
    if not label_shape_ok(label):
        return None
    return label, m.group("rest"), ts_seconds(m.group("ts") or m.group("ts2"))


def strip_timestamp(text: str, start: float | None) -> tuple[str, float | None]:
    """``"[00:03:15] more words"`` (a timestamped continuation) -> its words and start."""
    ts_only = _TS_ONLY.match(text)
    if not ts_only:
        return text, start
    return ts_only.group("rest"), (ts_seconds(ts_only.group("ts")) if start is None else start)


def accepted_labels(lines: list[Line], params: IngestParams, known: set[str]) -> set[str]:
    """Decide which label-shaped prefixes really are speakers (keys).

    A prefix is a speaker when it repeats (``min_label_repeats``), is a known name, carries
    a timestamp, or matches a role pattern.
    """
    counts: Counter[str] = Counter()
    stamped: set[str] = set()
    for line in lines:
        if line.label:
            continue
        hit = match_label(line)
        if hit:
            key = speaker_key(hit[0])
            counts[key] += 1
            if hit[2] is not None:
                stamped.add(key)
    ok = set()
    for key, n in counts.items():
        if (
            n >= params.min_label_repeats
            or key in known
            or key in stamped
            or params.speaker_patterns.role_of(key) is not None
        ):
            ok.add(key)
    return ok
