"""Word ``.docx`` transcripts: one unit per paragraph; a leading bold ``Name:`` is a speaker."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, ClassVar

from pipeline.ingest.labels import label_shape_ok
from pipeline.ingest.readers.base import format_of
from pipeline.ingest.rejected import Rejected, empty_file
from pipeline.ingest.units import Line, Units
from pipeline.params import IngestParams

if TYPE_CHECKING:
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


def lines_from_docx(data: bytes) -> list[Line]:
    """Paragraphs of a .docx; a bold run at the start ending in ':' is a speaker label.

    Raises:
        Rejected: when the file is not a readable Word document.
    """
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Rejected(
            "unreadable_docx",
            f"not a readable Word .docx ({type(exc).__name__}); open and re-save it in Word, "
            "or export it as .txt",
        ) from None
    return [_paragraph_line(no, para) for no, para in enumerate(doc.paragraphs, start=1)]


class DocxReader:
    """``.docx`` (Word; also what Teams and most transcription services export)."""

    extensions: ClassVar[tuple[str, ...]] = (".docx",)

    def read(self, name: str, data: bytes, params: IngestParams) -> Units:
        """Paragraphs of the document (no text encoding).

        Raises:
            Rejected: for an empty file or one that is not a readable Word document.
        """
        if not data:
            raise empty_file()
        return Units(lines_from_docx(data), "paragraph", format_of(name))
