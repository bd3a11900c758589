"""Transcript readers, registered in one place: extension -> reader.

To add a format, write a class with ``extensions`` and ``read(name, data, params) -> Units``
(:class:`~pipeline.ingest.readers.base.TranscriptReader`; text formats can subclass
:class:`~pipeline.ingest.readers.base.TextReader` and only split text) and add it to
:data:`READERS`. An extension listed in ``ingest.extensions`` with no reader of its own is
read as plain text.
"""

from __future__ import annotations

from pipeline.ingest.readers.base import TextReader, TranscriptReader
from pipeline.ingest.readers.plain import PlainTextReader
from pipeline.ingest.readers.subtitles import SrtReader, VttReader
from pipeline.ingest.readers.word import DocxReader
from pipeline.ingest.units import Line, Units

READERS: tuple[TranscriptReader, ...] = (PlainTextReader(), DocxReader(), VttReader(), SrtReader())
_BY_EXTENSION: dict[str, TranscriptReader] = {
    ext: reader for reader in READERS for ext in reader.extensions
}
_FALLBACK: TranscriptReader = READERS[0]


def reader_for(extension: str) -> TranscriptReader:
    """The reader of a lower-case extension (with the dot); plain text when none claims it."""
    return _BY_EXTENSION.get(extension, _FALLBACK)


__all__ = [
    "READERS",
    "DocxReader",
    "Line",
    "PlainTextReader",
    "SrtReader",
    "TextReader",
    "TranscriptReader",
    "Units",
    "VttReader",
    "reader_for",
]
