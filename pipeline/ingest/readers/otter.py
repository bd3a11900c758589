"""Otter.ai text exports: ``Label  m:ss`` alone on a line, the words on the next line(s).

Recognised from the content, not the file name: a ``.txt`` is an Otter export when most of
its label-like lines are block headers (:func:`~pipeline.ingest.labels.is_block_layout`).
A title line before the first header is preamble; consecutive blocks by one speaker (Otter
splits a long turn after a pause) join into one turn.
"""

from __future__ import annotations

from typing import ClassVar

from pipeline.ingest.decode import decode
from pipeline.ingest.labels import is_block_layout, match_block_header
from pipeline.ingest.readers.base import TextReader
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams


def lines_from_otter(text: str) -> list[Line]:
    """Numbered lines; a block header becomes a labelled unit with no words and its time."""
    out = []
    for no, raw in enumerate(text.splitlines(), start=1):
        header = match_block_header(raw)
        if header:
            out.append(Line(no, "", header[0], header[1]))
        else:
            out.append(Line(no, raw))
    return out


class OtterReader(TextReader):
    """``.txt`` exported by Otter.ai (speaker and time on one line, the words below)."""

    extensions: ClassVar[tuple[str, ...]] = (".txt",)
    unit: ClassVar[str] = "line"
    layouts: ClassVar[tuple[str, ...]] = (
        "Otter.ai blocks ('Speaker 1  0:03' alone on a line, the words on the next line)",
    )

    def detects(self, data: bytes, params: IngestParams) -> bool:
        """True when most label-like lines of the decoded text are block headers."""
        try:
            text = decode(data, params.fallback_encoding)[0]
        except Rejected:
            return False  # the generic reader says why
        return is_block_layout(text.splitlines())

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Decode and split into lines; the units are speaker blocks."""
        units = super().read(name, data, params)
        units.blocks = True
        return units

    def lines(self, text: str) -> list[Line]:
        """One unit per line, block headers labelled."""
        return lines_from_otter(text)
