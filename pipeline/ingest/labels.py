"""Speaker labels: what a label-shaped line prefix looks like and which ones are speakers.

A label is ``Name:`` at the start of a line, optionally bold (``**Name:**``), with a
timestamp before or after (``[00:01:02] Name:``, ``Speaker 1 (00:00:03):``) and with a
bracketed organisation or role after the name (``Rebecca Holt (Little Steps CIC):``), which
is kept out of the label and never becomes turn text. A *block header* is a label and a time
alone on a line (Otter.ai ``Speaker 1  0:03``, Teams ``Full Name   0:01:23``).
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.ingest.units import Line
from pipeline.params import IngestParams

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_NAME = r"(?P<label>[^\W\d_][\w'\u2019.\- ]{0,40}?)"
# a bracketed organisation or role after the name (not a timestamp): dropped from the label
_BRACKETED = rf"(?:\s*[\[(](?!\s*{_TS}\s*[\])])(?P<org>[^\[\]()\n]{{1,60}})[\])])?"
_LABEL_LINE = re.compile(
    rf"^\s*(?:[\[(]?(?P<ts>{_TS})[\])]?\s*[-\u2013]?\s*)?"
    rf"(?:\*\*|__)?{_NAME}{_BRACKETED}\s*(?:\*\*|__)?"
    rf"\s*(?:[\[(](?P<ts2>{_TS})[\])])?\s*"
    r":(?:\*\*|__)?(?:\s+|$)(?P<rest>.*)$"
)
_BLOCK_HEADER = re.compile(rf"^\s*{_NAME}{_BRACKETED}\s+[\[(]?(?P<ts>{_TS})[\])]?\s*$")
_SPLIT_BRACKETED = re.compile(rf"^\s*(?P<label>[^\[\]()]+?){_BRACKETED}\s*$")
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


def name_part(label: str) -> str:
    """A label without its bracketed organisation or role: ``"Jo Ray (Guest)"`` -> ``"Jo Ray"``."""
    m = _SPLIT_BRACKETED.match(label)
    return m.group("label").strip() if m and m.group("org") else label.strip()


def match_block_header(text: str) -> tuple[str, float | None] | None:
    """``(label, seconds)`` when ``text`` is a block header (a label and a time alone)."""
    m = _BLOCK_HEADER.match(text)
    if not m or not label_shape_ok(m.group("label").strip()):
        return None
    return m.group("label").strip(), ts_seconds(m.group("ts"))


def is_block_layout(texts: list[str]) -> bool:
    """True when most label-like lines are block headers (Otter.ai, Teams .docx).

    Label-like lines are block headers and ``Name:`` lines; at least two headers are needed.
    """
    headers = colons = 0
    for text in texts:
        if match_block_header(text):
            headers += 1
        elif match_label(Line(0, text)):
            colons += 1
    return headers >= 2 and headers > colons


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


# a numbered label a transcription tool gives ("Speaker 3", "Participant 2"): never a name
_NUMBERED = re.compile(r"^(?:speaker|participant|respondent|person|guest|caller)\s*\d+$", re.I)


def is_numbered_label(label: str) -> bool:
    """Whether ``label`` is a tool's numbered speaker label rather than a person's name."""
    return bool(_NUMBERED.match(speaker_key(label)))
