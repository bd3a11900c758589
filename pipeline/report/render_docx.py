"""The report as a Word document that prints: A4, contents, page numbers, reproducible bytes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.report.docx_layout import (
    TABLE_PT,
    add_contents,
    add_page_numbers,
    add_picture,
    column_blocks,
    column_widths,
    fits,
    new_section,
    set_a4,
    set_widths,
    text_width_cm,
)
from pipeline.report.model import Report
from pipeline.report.render_common import FIXED_DATE, normalise_zip, report_view


def _add_title_page(doc: Any, view: dict[str, Any]) -> None:
    """The title, subtitle and title-page lines, then a page break."""
    from docx.enum.text import WD_BREAK

    doc.add_heading(view["title"], level=0)
    if view["subtitle"]:
        doc.add_paragraph(view["subtitle"], style="Subtitle")
    for line in view["title_lines"]:
        doc.add_paragraph(line)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _add_markdown(doc: Any, parsed: list, level: int) -> None:
    """An evaluator's Markdown (parsed) as Word headings, paragraphs, lists and quotes."""
    for kind, text, h in parsed:
        if kind == "heading":
            doc.add_heading(text, level=min(level + h, 9))
        elif kind in ("bullets", "numbered"):
            style = "List Bullet" if kind == "bullets" else "List Number"
            for item in text:
                doc.add_paragraph(item, style=style)
        elif kind == "quote":
            doc.add_paragraph(text, style="Quote")
        else:
            doc.add_paragraph(text)


def _add_block(doc: Any, b: dict[str, Any], level: int, landscape: bool) -> bool:
    """One block of a section (``level``: its heading level); returns the page orientation."""
    kind = b["kind"]
    if kind == "paragraph":
        doc.add_paragraph(b["text"])
    elif kind == "heading":
        doc.add_heading(b["text"], level=level + 1)
    elif kind == "note":
        doc.add_paragraph().add_run(b["text"]).italic = True
    elif kind in ("bullets", "numbered"):
        style = "List Bullet" if kind == "bullets" else "List Number"
        for item in b["entries"]:
            doc.add_paragraph(item, style=style)
    elif kind == "quote":
        q = b["quote"]
        doc.add_paragraph(f"“{q.text}” — {q.attribution}", style="Quote")
    elif kind == "markdown":
        _add_markdown(doc, b["parsed"], level)
    elif kind in ("table", "grid") and b["table"]:
        return _add_table(doc, b["table"], landscape)
    return landscape


def _add_sections(doc: Any, view: dict[str, Any]) -> None:
    """Every section of the document, in order (chapters as Heading 1)."""
    landscape = False
    for s in view["sections"]:
        if landscape:  # a chapter starts on a portrait page
            new_section(doc, False)
            landscape = False
        doc.add_heading(s["heading"], level=s["level"])
        for b in s["blocks"]:
            landscape = _add_block(doc, b, s["level"], landscape)
        if s["key"] == "executive-summary":
            _add_charts(doc, view["charts"])


def _add_charts(doc: Any, charts: Sequence[dict[str, Any]]) -> None:
    """Each chart as a captioned picture with its alt text."""
    if not charts:
        return
    doc.add_heading("Key figures", level=2)
    for c in charts:
        doc.add_paragraph(c["caption"], style="Caption")
        add_picture(doc, c["png"], c["alt"], c["title"], text_width_cm(False) / 2.54)


def _add_grid(doc: Any, columns: list[str], rows: list[list[str]], landscape: bool) -> None:
    """One Word table: a repeating header row, content-based widths, none too narrow."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=1, cols=max(len(columns), 1))
    table.style = "Table Grid"
    hdr = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    hdr._tr.get_or_add_trPr().append(repeat)
    for cell, name in zip(hdr.cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for row in rows:
        for cell, v in zip(table.add_row().cells, row):
            cell.text = v
    widths = column_widths(columns, rows, text_width_cm(landscape))
    set_widths(table, widths)


def _add_table(doc: Any, t: dict[str, Any], landscape: bool) -> bool:
    """One table of the template context; returns the orientation it left the page in."""
    wide = not fits(t["columns"], t["rows"], landscape=False)
    if wide != landscape:
        new_section(doc, wide)
    doc.add_heading(t["caption"], level=2)
    if t["note"]:
        doc.add_paragraph(t["note"])
    blocks = column_blocks(len(t["columns"]), wide)
    for i, block in enumerate(blocks):
        if len(blocks) > 1:
            doc.add_paragraph(f"Columns {i + 1} of {len(blocks)}", style="Caption")
        cols = [t["columns"][j] for j in block]
        rows = [[r[j] for j in block] for r in t["rows"]]
        _add_grid(doc, cols, rows, wide)
    if t["shown_rows"] < t["n_rows"]:
        doc.add_paragraph(f"{t['shown_rows']} of {t['n_rows']} rows shown.")
    return wide


def _document(title: str) -> Any:
    """An empty A4 document: fixed properties, page numbers, table text at 8 pt."""
    import datetime as dt

    import docx
    from docx.shared import Pt

    doc = docx.Document()
    fixed = dt.datetime(*FIXED_DATE)
    props = doc.core_properties
    props.title = title
    props.author = "qualeval"
    props.last_modified_by = "qualeval"
    props.created = fixed
    props.modified = fixed
    props.revision = 1
    props.language = "en-GB"
    set_a4(doc.sections[0])
    add_page_numbers(doc.sections[0])
    doc.styles["Table Grid"].font.size = Pt(TABLE_PT)
    return doc


def write_docx(report: Report, path: Path, charts: Sequence[Any] = ()) -> None:
    """The report as Word: a title page, contents, Heading 1-3, quotes, charts, real tables."""
    view = report_view(report, charts)
    doc = _document(report.title)
    _add_title_page(doc, view)
    add_contents(doc)
    _add_sections(doc, view)
    doc.save(str(path))
    normalise_zip(path)
