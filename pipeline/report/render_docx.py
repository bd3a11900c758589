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


def _add_summary(doc: Any, report: Report) -> None:
    """Introduction, the executive summary per theme, emergent topics, the scale."""
    for p in report.intro:
        doc.add_paragraph(p)
    doc.add_heading("Executive summary", level=1)
    for theme in report.themes:
        doc.add_heading(theme.label, level=2)
        doc.add_paragraph(theme.headline)
        for f in theme.findings:
            doc.add_paragraph(f, style="List Bullet")
        for q in theme.quotes:
            doc.add_paragraph(f"“{q.text}” — {q.attribution}", style="Quote")
    doc.add_heading("Emergent topics", level=2)
    for line in report.topics_summary:
        doc.add_paragraph(line)
    doc.add_paragraph(report.scale_note)


def _add_charts(doc: Any, charts: Sequence[dict[str, Any]]) -> None:
    """Each chart as a captioned picture with its alt text."""
    if not charts:
        return
    doc.add_heading("Charts", level=1)
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
    """The report as Word: Title, contents, Heading 1-3, 'Quote' paragraphs, charts, tables."""
    view = report_view(report, charts)
    doc = _document(report.title)
    doc.add_heading(report.title, level=0)
    add_contents(doc)
    _add_summary(doc, report)
    _add_charts(doc, view["charts"])
    doc.add_heading("Tables", level=1)
    landscape = False
    for t in view["tables"]:
        landscape = _add_table(doc, t, landscape)
    doc.save(str(path))
    normalise_zip(path)
