"""One transcript's bytes -> speaker turns (roles not yet assigned)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.advice import no_turns
from pipeline.ingest.readers import reader_for
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.roles import name_keys
from pipeline.ingest.turns import Segment, merge, segments
from pipeline.ingest.units import Line
from pipeline.params import IngestParams


@dataclass
class ParsedTranscript:
    """What one file yields before roles are assigned."""

    fmt: str
    unit: str
    encoding: str | None
    turns: list[Segment]
    preamble: list[Line]
    warnings: list[str] = field(default_factory=list)


def parse_transcript(
    name: str, data: bytes, params: IngestParams, known_names: Iterable[str] = ()
) -> ParsedTranscript:
    """Parse one transcript's bytes into speaker segments, merged into turns.

    Args:
        name: file name (its extension, and the content, select the reader, see
            :mod:`pipeline.ingest.readers`).
        data: the file's bytes.
        params: ingest parameters.
        known_names: people's names from metadata; labels equal to one (or its first name)
            are accepted as speakers even when they occur once.

    Raises:
        Rejected: when the file cannot be parsed; the message says why and what to do.
    """
    ext = Path(name).suffix.lower()
    if ext not in params.extensions:
        raise Rejected(
            "unknown_extension",
            f"unsupported file type {ext or '(none)'}; supported: {', '.join(params.extensions)}",
        )
    known = set(name_keys(known_names))
    check_size(ext, data, params)
    units = reader_for(ext, data, params).read(name, data, params)
    if not any(line.text.strip() for line in units.lines):
        raise Rejected("empty", "the file has no text; remove it or export the transcript again")
    check_lines(units.lines, units.unit, params)
    preamble, segs = segments(units.lines, units.unit, params, known, units.blocks)
    turns = merge(segs, units.unit, units.blocks)
    if not turns:
        raise no_turns(ext, units, params)
    check_turns(turns, units.unit, params)
    return ParsedTranscript(units.fmt, units.unit, units.encoding, turns, preamble, units.warnings)


def check_size(ext: str, data: bytes, params: IngestParams) -> None:
    """Refuse a file over ``ingest.max_file_mb`` (or a .docx unpacking to over ``max_docx_mb``).

    Raises:
        Rejected: naming the size and the limit.
    """
    mb = len(data) / 1_000_000
    if mb > params.max_file_mb:
        raise Rejected(
            "too_large",
            f"{mb:.1f} MB is over ingest.max_file_mb = {params.max_file_mb:g}; split the "
            "transcript or raise the limit",
        )
    if ext != ".docx":
        return
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist()) / 1_000_000
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader says it is not a readable .docx
    if unpacked > params.max_docx_mb:
        raise Rejected(
            "too_large",
            f"the .docx unpacks to {unpacked:.0f} MB, over ingest.max_docx_mb = "
            f"{params.max_docx_mb:g}; remove embedded media or save the text as .docx again",
        )


def check_lines(lines: list[Line], unit: str, params: IngestParams) -> None:
    """Refuse a line (paragraph, cue) longer than ``ingest.max_line_chars``.

    Raises:
        Rejected: naming the line and its length.
    """
    limit = params.max_line_chars
    for line in lines:
        if len(line.text) > limit:
            raise Rejected(
                "line_too_long",
                f"{unit} {line.no}: {len(line.text):,} characters, over ingest.max_line_chars = "
                f"{limit:,}; is the file a transcript? Put each turn on its own line, or raise "
                "the limit",
            )


def check_turns(turns: list[Segment], unit: str, params: IngestParams) -> None:
    """Refuse a turn longer than ``ingest.max_turn_chars`` (the language models' limits).

    Raises:
        Rejected: naming the turn's first line and its length.
    """
    limit = params.max_turn_chars
    for turn in turns:
        size = sum(len(p) + 1 for p in turn.paras)
        if size > limit:
            raise Rejected(
                "turn_too_long",
                f"{unit} {turn.first}: a turn of {size:,} characters, over "
                f"ingest.max_turn_chars = {limit:,}; check the speaker labels (a missing label "
                "merges many turns into one) or raise the limit",
            )
