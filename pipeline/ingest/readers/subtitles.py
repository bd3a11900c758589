"""Subtitle transcripts: WebVTT (Teams/Zoom, ``<v Name>`` voice tags) and SubRip ``.srt``.

One unit per cue, with its start and end in seconds; the unit number is the line of the
cue's timing (.vtt) or the cue's index (.srt).
"""

from __future__ import annotations

import io
import re
from typing import ClassVar

from pipeline.ingest.readers.base import TextReader
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.units import Line

_VTT_TIMING = re.compile(
    r"^\s*(?:\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{2}:\d{2}\.\d{3}(?:\s+.*)?$"
)


def _vtt_timing_lines(raw: list[str]) -> list[int]:
    """Line numbers of the cue timings, checked before the parser sees the file.

    Raises:
        Rejected: for a missing header or a malformed timing (with the line number).
    """
    if not raw or not raw[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise Rejected("malformed_vtt", "line 1: a WebVTT file must start with 'WEBVTT'")
    timing_lines = []
    for i, ln in enumerate(raw, start=1):
        if "-->" in ln:
            if not _VTT_TIMING.match(ln):
                raise Rejected(
                    "malformed_vtt",
                    f"line {i}: malformed cue timing; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'",
                )
            timing_lines.append(i)
    return timing_lines


def lines_from_vtt(text: str) -> list[Line]:
    """Cues of a WebVTT file (Teams/Zoom style); ``<v Name>`` voice tags give the speaker.

    Raises:
        Rejected: for a missing header or malformed cue timings (with the line number).
    """
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    timing_lines = _vtt_timing_lines(text.splitlines())
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise Rejected("malformed_vtt", f"not valid WebVTT ({exc}); re-export the file") from None
    if len(captions) != len(timing_lines):
        raise Rejected(
            "malformed_vtt",
            "cue blocks could not be read consistently; check blank lines between cues",
        )
    return [
        Line(
            line_no,
            " ".join(cap.text.split()),
            cap.voice.strip() if cap.voice else None,
            cap.start_time.in_milliseconds() / 1000,
            cap.end_time.in_milliseconds() / 1000,
        )
        for cap, line_no in zip(captions, timing_lines)
    ]


def lines_from_srt(text: str) -> list[Line]:
    """Subtitles of an .srt file; speakers come from ``Name:`` prefixes in the cue text.

    Raises:
        Rejected: for malformed subtitles (with the line number where known).
    """
    import srt

    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[: exc.expected_start].count("\n") + 1
        raise Rejected(
            "malformed_srt",
            f"line {line}: malformed subtitle block; "
            "expected index, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', text",
        ) from None
    if not subs:
        raise Rejected("malformed_srt", "no subtitle blocks found")
    return [
        Line(
            s.index,
            " ".join(s.content.split()),
            None,
            s.start.total_seconds(),
            s.end.total_seconds(),
        )
        for s in subs
    ]


class VttReader(TextReader):
    """``.vtt`` (WebVTT, as Teams and Zoom export)."""

    extensions: ClassVar[tuple[str, ...]] = (".vtt",)
    layouts: ClassVar[tuple[str, ...]] = (
        "WebVTT cues with '<v Name>' voice tags (Teams)",
        "WebVTT cues whose text starts 'Name: ' (Zoom)",
    )
    unit: ClassVar[str] = "cue"

    def lines(self, text: str) -> list[Line]:
        """One unit per cue."""
        return lines_from_vtt(text)


class SrtReader(TextReader):
    """``.srt`` (SubRip subtitles)."""

    extensions: ClassVar[tuple[str, ...]] = (".srt",)
    layouts: ClassVar[tuple[str, ...]] = ("SubRip subtitles whose text starts 'Name: '",)
    unit: ClassVar[str] = "cue"

    def lines(self, text: str) -> list[Line]:
        """One unit per subtitle."""
        return lines_from_srt(text)
