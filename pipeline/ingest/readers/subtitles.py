"""Subtitle transcripts: WebVTT (Teams/Zoom, ``<v Name>`` voice tags) and SubRip ``.srt``.

One unit per cue, with its start and end in seconds; the unit number is the line of the
cue's timing (.vtt) or the cue's index (.srt).

Before a library parses a file its cue blocks are checked (:func:`srt_block_problems`,
:func:`vtt_block_problems`): a cue without a timing line, a non-numeric or repeated .srt
index, is an error naming the line (a library would otherwise fold the cue's text, say an
interviewer's question, into the cue before it); overlapping or backwards times are warnings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import ClassVar

from pipeline.ingest.decode import decode
from pipeline.ingest.readers.base import TextReader, format_of
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams

_SRT_TIMING = re.compile(
    r"^\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})"
)
_VTT_TIMES = re.compile(r"((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


def _blocks(raw: list[str], start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """``(first line number, lines)`` of each blank-line separated block from ``start``."""
    block: list[str] = []
    first = 0
    for i, line in enumerate(raw[start:], start=start + 1):
        if line.strip():
            if not block:
                first = i
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _seconds(parts: tuple[str, ...]) -> float:
    h, m, sec, ms = (int(x) for x in parts)
    return h * 3600 + m * 60 + sec + ms / 1000


def _overlap(
    cue: str, line: int, start: float, end: float, prev: tuple[str, float] | None
) -> list[str]:
    """Warnings for a cue ending before it starts, or starting before the previous one ends."""
    out = []
    if end < start:
        out.append(f"line {line}: cue {cue} ends before it starts")
    if prev is not None and start < prev[1]:
        out.append(f"line {line}: cue {cue} starts before cue {prev[0]} ends (overlapping times)")
    return out


def srt_block_problems(text: str) -> list[str]:
    """Warnings about an .srt's cues (overlapping times); its errors raised.

    Raises:
        Rejected: for a cue without a timing line, a non-numeric or a repeated index.
    """
    raw = text.lstrip("\ufeff").splitlines()
    seen: dict[str, int] = {}
    warnings: list[str] = []
    prev: tuple[str, float] | None = None
    for first, block in _blocks(raw):
        index = block[0].strip()
        timing = _SRT_TIMING.match(block[1]) if len(block) > 1 else None
        if _SRT_TIMING.match(block[0]):
            raise Rejected("malformed_srt", f"line {first}: cue without an index number")
        if not index.isdigit():
            raise Rejected(
                "malformed_srt",
                f"line {first}: cue index {index[:40]!r} is not a number"
                + ("" if timing else " and no timing line follows it"),
            )
        if timing is None:
            raise Rejected(
                "malformed_srt",
                f"line {first + 1}: cue {index} has no timing line; expected "
                "'HH:MM:SS,mmm --> HH:MM:SS,mmm' (is a blank line missing between cues?)",
            )
        if index in seen:
            raise Rejected(
                "malformed_srt",
                f"line {first}: cue index {index} repeats the cue at line {seen[index]}; "
                "number the cues 1, 2, 3 ... (re-export the file)",
            )
        seen[index] = first
        start, end = _seconds(timing.groups()[:4]), _seconds(timing.groups()[4:])
        warnings += _overlap(index, first + 1, start, end, prev)
        prev = (index, end)
    return warnings


def vtt_block_problems(text: str) -> list[str]:
    """Warnings about a WebVTT file's cues (overlapping times); a cue without timing raised.

    Raises:
        Rejected: for a cue block with text but no timing line.
    """
    raw = text.lstrip("\ufeff").splitlines()
    warnings: list[str] = []
    prev: tuple[str, float] | None = None
    blocks = list(_blocks(raw))
    for first, block in blocks[1:]:  # the first block is the WEBVTT header
        if block[0].split(" ", 1)[0] in _VTT_BLOCKS:
            continue
        timing_at = next((k for k, ln in enumerate(block[:2]) if "-->" in ln), None)
        if timing_at is None:
            raise Rejected(
                "malformed_vtt",
                f"line {first}: cue without a timing line; expected "
                "'HH:MM:SS.mmm --> HH:MM:SS.mmm' (is a blank line missing, or a line lost?)",
            )
        times = _VTT_TIMES.search(block[timing_at])
        if times is None:
            continue  # the timing check names it
        start, end = (_vtt_seconds(t) for t in times.groups())
        line = first + timing_at
        warnings += _overlap(f"at line {line}", line, start, end, prev)
        prev = (f"at line {line}", end)
    return warnings


def _vtt_seconds(stamp: str) -> float:
    parts = stamp.split(":")
    h = int(parts[0]) if len(parts) == 3 else 0
    m, rest = int(parts[-2]), float(parts[-1])
    return h * 3600 + m * 60 + rest


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

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Decode, check the cue blocks (warnings kept), then parse."""
        return _read_cues(self, name, data, params, vtt_block_problems)

    def lines(self, text: str) -> list[Line]:
        """One unit per cue."""
        return lines_from_vtt(text)


class SrtReader(TextReader):
    """``.srt`` (SubRip subtitles)."""

    extensions: ClassVar[tuple[str, ...]] = (".srt",)
    layouts: ClassVar[tuple[str, ...]] = ("SubRip subtitles whose text starts 'Name: '",)
    unit: ClassVar[str] = "cue"

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Decode, check the cue blocks (warnings kept), then parse."""
        return _read_cues(self, name, data, params, srt_block_problems)

    def lines(self, text: str) -> list[Line]:
        """One unit per subtitle."""
        return lines_from_srt(text)


def _read_cues(
    reader: TextReader,
    name: str,
    data: bytes,
    params: IngestParams,
    check: Callable[[str], list[str]],
) -> Units:
    """A subtitle file's units, with the decoder's and the cue check's warnings."""
    text, encoding, warning = decode(data, params.fallback_encoding)
    warnings = [warning] if warning else []
    if isinstance(reader, VttReader):
        _vtt_timing_lines(text.splitlines())  # the header and timing syntax first
    warnings += check(text)
    lines = reader.lines(text)
    return Units(lines, reader.unit, format_of(name), encoding, warnings)
