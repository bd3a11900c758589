"""Plain text and Markdown transcripts: one unit per line, speakers from ``Name:`` labels."""

from __future__ import annotations

from typing import ClassVar

from pipeline.ingest.readers.base import TextReader
from pipeline.ingest.units import Line


def lines_from_text(text: str) -> list[Line]:
    """Split plain text or Markdown into numbered lines (CRLF and CR handled)."""
    return [Line(i, ln) for i, ln in enumerate(text.splitlines(), start=1)]


class PlainTextReader(TextReader):
    """``.txt`` and ``.md``; also any other extension listed in ``ingest.extensions``."""

    extensions: ClassVar[tuple[str, ...]] = (".txt", ".md")
    layouts: ClassVar[tuple[str, ...]] = (
        "'Name: text' labels, also bold or timestamped ('**Name:**', '[00:01:02] Name:', "
        "'Speaker 1 (00:00:03):', 'Name (Organisation):')",
    )
    unit: ClassVar[str] = "line"

    def lines(self, text: str) -> list[Line]:
        """One unit per line."""
        return lines_from_text(text)
