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
    units = reader_for(ext, data, params).read(name, data, params)
    if not any(line.text.strip() for line in units.lines):
        raise Rejected("empty", "the file has no text; remove it or export the transcript again")
    preamble, segs = segments(units.lines, units.unit, params, known, units.blocks)
    turns = merge(segs, units.unit, units.blocks)
    if not turns:
        raise no_turns(ext, units, params)
    return ParsedTranscript(units.fmt, units.unit, units.encoding, turns, preamble, units.warnings)
