"""Transcript readers, registered in one place: extension (and content) -> reader.

To add a format, write a class with ``extensions``, ``layouts`` and
``read(name, data, params) -> Units``
(:class:`~pipeline.ingest.readers.base.TranscriptReader`; text formats can subclass
:class:`~pipeline.ingest.readers.base.TextReader` and only split text) and add it to
:data:`READERS`. A reader of one layout of a shared extension (Otter.ai ``.txt``, Teams
``.docx``) also has ``detects(data, params)``: it is chosen, in :data:`READERS` order, when it
recognises the content; otherwise the extension's generic reader reads the file. An extension
listed in ``ingest.extensions`` with no reader of its own is read as plain text.
"""

from __future__ import annotations

from pipeline.ingest.readers.base import TextReader, TranscriptReader
from pipeline.ingest.readers.otter import OtterReader
from pipeline.ingest.readers.plain import PlainTextReader
from pipeline.ingest.readers.subtitles import SrtReader, VttReader
from pipeline.ingest.readers.word import DocxReader, TeamsDocxReader
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams

READERS: tuple[TranscriptReader, ...] = (
    OtterReader(),
    PlainTextReader(),
    TeamsDocxReader(),
    DocxReader(),
    VttReader(),
    SrtReader(),
)
_GENERIC: dict[str, TranscriptReader] = {
    ext: reader for reader in READERS if not hasattr(reader, "detects") for ext in reader.extensions
}
_FALLBACK: TranscriptReader = _GENERIC[".txt"]


def reader_for(
    extension: str, data: bytes | None = None, params: IngestParams | None = None
) -> TranscriptReader:
    """The reader of a lower-case extension (with the dot), given the file's content.

    Without ``data`` (or ``params``), the extension's generic reader; plain text when no
    reader claims the extension.
    """
    if data is not None and params is not None:
        for reader in READERS:
            if extension in reader.extensions and hasattr(reader, "detects"):
                if reader.detects(data, params):
                    return reader
    return _GENERIC.get(extension, _FALLBACK)


def readers_of(extension: str) -> list[TranscriptReader]:
    """Every reader that may read a file of ``extension`` (the layouts tried), in order."""
    claimed = [r for r in READERS if extension in r.extensions]
    return claimed or [_FALLBACK]


__all__ = [
    "READERS",
    "DocxReader",
    "Line",
    "OtterReader",
    "PlainTextReader",
    "SrtReader",
    "TeamsDocxReader",
    "TextReader",
    "TranscriptReader",
    "Units",
    "VttReader",
    "reader_for",
    "readers_of",
]
