"""The report as a Word document, reproducible bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _add_block(doc: Any, b: dict[str, Any], level: int) -> None:
    """One block of a section (``level``: the section's heading level)."""
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
        _add_table(doc, b["table"])


def _add_sections(doc: Any, view: dict[str, Any]) -> None:
    """Every section of the document, in order (chapters as Heading 1)."""
    for s in view["sections"]:
        doc.add_heading(s["heading"], level=s["level"])
        for b in s["blocks"]:
            _add_block(doc, b, s["level"])


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
    """The report as Word: a title page, Heading 1-3, 'Quote' paragraphs and real tables."""
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
    _add_title_page(doc, view)
    _add_sections(doc, view)
    doc.save(str(path))
    normalise_zip(path)
