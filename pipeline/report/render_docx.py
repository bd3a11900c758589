"""The report as a Word document, reproducible bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.report.model import Report
from pipeline.report.render_common import FIXED_DATE, normalise_zip, report_view


def _add_summary(doc: Any, report: Report) -> None:
    """Title, introduction, the executive summary per theme, emergent topics, the scale."""
    doc.add_heading(report.title, level=0)
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


def _add_table(doc: Any, t: dict[str, Any]) -> None:
    """One table of the template context as a real Word table (header row repeats)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc.add_heading(t["caption"], level=2)
    if t["note"]:
        doc.add_paragraph(t["note"])
    table = doc.add_table(rows=1, cols=max(len(t["columns"]), 1))
    table.style = "Table Grid"
    hdr = table.rows[0]
    tr_pr = hdr._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, name in zip(hdr.cells, t["columns"]):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for row in t["rows"]:
        cells = table.add_row().cells
        for cell, v in zip(cells, row):
            cell.text = v
    if t["shown_rows"] < t["n_rows"]:
        doc.add_paragraph(f"{t['shown_rows']} of {t['n_rows']} rows shown.")


def write_docx(report: Report, path: Path) -> None:
    """The report as Word: Title, Heading 1-3, 'Quote' paragraphs and real tables."""
    import datetime as dt

    import docx

    view = report_view(report)
    doc = docx.Document()
    fixed = dt.datetime(*FIXED_DATE)
    props = doc.core_properties
    props.title = report.title
    props.author = "qualeval"
    props.last_modified_by = "qualeval"
    props.created = fixed
    props.modified = fixed
    props.revision = 1
    _add_summary(doc, report)
    doc.add_heading("Tables", level=1)
    for t in view["tables"]:
        _add_table(doc, t)
    doc.save(str(path))
    normalise_zip(path)
