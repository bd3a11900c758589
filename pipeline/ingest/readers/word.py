"""Word ``.docx`` transcripts: one unit per paragraph or transcript-table row.

Two readers: :class:`DocxReader` (a leading bold ``Name:`` is a speaker; tables with a
speaker and a text column are read row by row, see :mod:`.word_tables`) and
:class:`TeamsDocxReader` (the Teams transcript download, recognised from its content).
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from pipeline.ingest.labels import is_block_layout, label_shape_ok, match_block_header
from pipeline.ingest.readers.base import format_of
from pipeline.ingest.readers.word_tables import table_lines
from pipeline.ingest.rejected import Rejected, empty_file
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph


def _bold_prefix(para: Paragraph) -> str:
    """The text of the bold runs a paragraph starts with (leading blank runs skipped)."""
    bold = ""
    for run in para.runs:
        if not run.text.strip() and not bold:
            continue
        if run.bold:
            bold += run.text
        else:
            break
    return bold


def _paragraph_line(no: int, para: Paragraph) -> Line:
    """One paragraph as a unit; a bold label-shaped prefix ending in ':' becomes its label."""
    text = para.text
    bold = _bold_prefix(para)
    bold_stripped = bold.strip()
    if bold_stripped.endswith(":") or (
        bold_stripped and text[len(bold) :].lstrip().startswith(":")
    ):
        cand = bold_stripped.rstrip(":").strip()
        if label_shape_ok(cand):
            rest = text[len(bold) :].lstrip().removeprefix(":").lstrip()
            return Line(no, rest, cand)
    return Line(no, text, None)


@functools.lru_cache(maxsize=2)
def open_docx(data: bytes) -> Document:
    """The Word document in ``data``, to read only.

    The last two are cached, so detecting the Teams layout and reading the file parse it once.

    Raises:
        Rejected: for an empty file or one that is not a readable Word document.
    """
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    if not data:
        raise empty_file()
    try:
        return Document(io.BytesIO(data))
    # lxml's XMLSyntaxError (e.g. nesting deeper than it parses) is a SyntaxError
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        RecursionError,
        SyntaxError,
    ) as exc:
        raise Rejected(
            "unreadable_docx",
            f"not a readable Word .docx ({type(exc).__name__}); open and re-save it in Word, "
            "or export it as .txt",
        ) from None


def _rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def docx_units(
    doc: Document, para_line: Callable[[int, Paragraph], Line]
) -> tuple[list[Line], bool]:
    """Paragraphs (via ``para_line``) and transcript-table rows, in document order.

    Returns:
        The units, and whether any came from a transcript table (then they are speaker
        blocks). Paragraphs are numbered as in the document; table rows continue the count.
        Tables that hold no transcript are skipped, as are paragraphs inside tables.
    """
    from docx.table import Table

    out: list[Line] = []
    tabled = False
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            rows = table_lines(_rows(item), len(out) + 1)
            out.extend(rows)
            tabled = tabled or bool(rows)
        else:
            out.append(para_line(len(out) + 1, item))
    return out, tabled


def lines_from_docx(data: bytes) -> list[Line]:
    """Paragraphs of a .docx; a bold run at the start ending in ':' is a speaker label.

    Raises:
        Rejected: when the file is not a readable Word document.
    """
    return docx_units(open_docx(data), _paragraph_line)[0]


class DocxReader:
    """``.docx`` (Word; also what transcription services export), paragraphs and tables."""

    extensions: ClassVar[tuple[str, ...]] = (".docx",)
    layouts: ClassVar[tuple[str, ...]] = (
        "paragraphs starting with a bold or plain 'Name:' label",
        "Word tables with a speaker column (and optional time column) and a text column",
    )

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Paragraphs and transcript-table rows of the document (no text encoding).

        Raises:
            Rejected: for an empty file or one that is not a readable Word document.
        """
        lines, tabled = docx_units(open_docx(data), _paragraph_line)
        return Units(lines, "paragraph", format_of(name), blocks=tabled)


def _teams_line(no: int, para: Paragraph) -> Line:
    """A Teams paragraph: a ``Full Name   0:01:23`` header is a labelled unit with no words."""
    header = match_block_header(para.text)
    if header:
        return Line(no, "", header[0], header[1])
    return Line(no, para.text)


class TeamsDocxReader:
    """``.docx`` downloaded from Microsoft Teams: ``Full Name   0:01:23``, then the words.

    Recognised from the content: most label-like paragraphs are such headers. The header
    paragraphs before the first block (recording name, date, duration, "... started
    transcription") are preamble; consecutive blocks by one speaker join into one turn.
    """

    extensions: ClassVar[tuple[str, ...]] = (".docx",)
    layouts: ClassVar[tuple[str, ...]] = (
        "Teams transcript blocks ('Full Name   0:01:23' paragraph, the words in the next)",
    )

    def detects(self, data: bytes, params: IngestParams) -> bool:
        """True when most label-like paragraphs are block headers."""
        try:
            doc = open_docx(data)
        except Rejected:
            return False  # the generic reader says why
        return is_block_layout([p.text for p in doc.paragraphs])

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Paragraphs (headers labelled) and transcript-table rows; speaker blocks."""
        lines, _ = docx_units(open_docx(data), _teams_line)
        return Units(lines, "paragraph", format_of(name), blocks=True)
