"""The protocol a transcript reader follows, and the base of the text readers.

A reader turns one file's bytes into :class:`~pipeline.ingest.units.Units` (numbered lines,
paragraphs or cues, some with a speaker given by markup); the speaker-label logic of
:mod:`pipeline.ingest.turns` is the same for every format. A new format is a class with
``extensions``, ``layouts`` and ``read``, registered in
:data:`pipeline.ingest.readers.READERS`. A reader of one layout among several sharing an
extension (Otter.ai among ``.txt``, Teams among ``.docx``) also has ``detects(data, params)``
and is chosen when it recognises the content.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Protocol

from pipeline.ingest.decode import decode
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams


class TranscriptReader(Protocol):
    """Reads one family of transcript files."""

    extensions: ClassVar[tuple[str, ...]]
    layouts: ClassVar[tuple[str, ...]]  # what it understands, in words (for the advice)

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Split one file's bytes into units.

        Raises:
            Rejected: when the file cannot be read; the message says why and what to do.
        """
        ...


def format_of(name: str) -> str:
    """The format name of a file: its lower-case extension without the dot."""
    return Path(name).suffix.lower().lstrip(".")


class TextReader:
    """Base of the readers of text files: decode the bytes, then split the text."""

    extensions: ClassVar[tuple[str, ...]] = ()
    layouts: ClassVar[tuple[str, ...]] = ()
    unit: ClassVar[str] = "line"

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Decode ``data`` (see :func:`~pipeline.ingest.decode.decode`) and split it."""
        text, encoding, warning = decode(data, params.fallback_encoding)
        lines = self.lines(text)
        return Units(lines, self.unit, format_of(name), encoding, [warning] if warning else [])

    def lines(self, text: str) -> list[Line]:
        """Split decoded text into units."""
        raise NotImplementedError
