"""Advice for a file no reader could split into speaker turns: what was tried, what it holds.

The message names the layouts tried for the file's extension and shows the file's first
label-like prefixes (a short prefix before ``:``, or a name and a time alone on a line) so an
evaluator can see why; it never shows transcript text beyond such a prefix.
"""

from __future__ import annotations

import re

from pipeline.ingest.readers import readers_of
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.units import Units
from pipeline.params import IngestParams

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_COLON_PREFIX = re.compile(
    rf"^\s*(?:[\[(]?{_TS}[\])]?\s*[-\u2013]?\s*)?(?P<shape>(?:\*\*|__)?[^\W\d_][^:\n]{{0,39}}?:)(?!\d)"
)
_TIMED_NAME = re.compile(rf"^\s*(?P<shape>[^\W\d_][^\n]{{0,39}}?\s+[\[(]?{_TS}[\])]?)\s*$")
_MAX_WORDS = 4
_SHOWN = 3


def label_like(text: str) -> str | None:
    """The label-like prefix a line starts with (at most four words), or None."""
    for pattern in (_TIMED_NAME, _COLON_PREFIX):
        m = pattern.match(text)
        if m:
            shape = m.group("shape").strip()
            name = re.sub(_TS, "", shape)
            if len(name.split()) <= _MAX_WORDS:
                return shape
    return None


def first_label_like(units: Units, n: int = _SHOWN) -> list[str]:
    """``"<unit> <no>: '<prefix>'"`` for the first ``n`` label-like units."""
    out = []
    for line in units.lines:
        shape = label_like(line.text)
        if shape:
            out.append(f"{units.unit} {line.no}: {shape!r}")
            if len(out) == n:
                break
    return out


def no_turns(ext: str, units: Units, params: IngestParams) -> Rejected:
    """The rejection of a file with no speaker turns, with advice that fits what it holds."""
    tried = "; ".join(layout for r in readers_of(ext) for layout in r.layouts)
    seen = first_label_like(units)
    if seen:
        cause = (
            f"its first label-like lines are {', '.join(seen)}, but none was taken as a "
            "speaker: a label must be 1-4 capitalised words (or all capitals) used at least "
            f"{params.min_label_repeats} times, a name in the metadata's name columns, or "
            "match ingest.speaker_patterns in params.yaml"
        )
    else:
        cause = (
            "no line starts with a label-like prefix (a short name and ':', or a name and a "
            "time alone on a line); export the transcript with speaker names from the "
            "recording tool in one of these layouts"
        )
    return Rejected(
        "no_speaker_labels", f"no speaker turns found; layouts tried for {ext}: {tried}; {cause}"
    )
