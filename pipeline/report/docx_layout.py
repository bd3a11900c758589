"""Word layout that prints: A4, a contents field, page numbers, landscape for wide tables.

A table gets column widths from its content, never narrower than :data:`MIN_COL_CM`; a
table too wide for a portrait page goes in a landscape section, and one too wide even for
that is split into column blocks, each repeating the first column. Pictures carry their alt
text (``descr``) so screen readers announce them.
"""

from __future__ import annotations

import io
from typing import Any

A4_MM = (210, 297)
MARGIN_MM = 20
MIN_COL_CM = 2.0
MAX_COL_CM = 7.0
CM_PER_CHAR = 0.19  # 9 pt text, one average character
TABLE_PT = 8


def text_width_cm(landscape: bool) -> float:
    """The width between the margins of an A4 page."""
    page = A4_MM[1] if landscape else A4_MM[0]
    return (page - 2 * MARGIN_MM) / 10


def _natural_cm(column: str, cells: list[str]) -> float:
    """The width a column would like: its longest word or cell, within the bounds."""
    longest_word = max((len(w) for w in str(column).split()), default=1)
    longest = max([len(str(column)) / 2, longest_word, *[min(len(c), 60) for c in cells]])
    return min(max(longest * CM_PER_CHAR + 0.4, MIN_COL_CM), MAX_COL_CM)


def column_widths(columns: list[str], rows: list[list[str]], available: float) -> list[float]:
    """Widths in cm summing to at most ``available``, none under :data:`MIN_COL_CM`."""
    natural = [_natural_cm(c, [r[i] for r in rows if i < len(r)]) for i, c in enumerate(columns)]
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural] if total else natural
    excess = total - available
    flexible = [w - MIN_COL_CM for w in natural]
    room = sum(flexible)
    return [w - excess * f / room if room else w for w, f in zip(natural, flexible)]


def fits(columns: list[str], rows: list[list[str]], landscape: bool) -> bool:
    """Whether the table fits the page at its minimum widths and natural width allows."""
    need = sum(_natural_cm(c, [r[i] for r in rows if i < len(r)]) for i, c in enumerate(columns))
    return need <= text_width_cm(landscape)


def column_blocks(n_columns: int, landscape: bool = True) -> list[list[int]]:
    """Column indices per block: the first column, then balanced shares of the others."""
    per_page = int(text_width_cm(landscape) // MIN_COL_CM)
    if n_columns <= per_page:
        return [list(range(n_columns))]
    inner = n_columns - 1
    n_blocks = -(-inner // max(per_page - 1, 1))
    size = -(-inner // n_blocks)
    return [[0, *range(s, min(s + size, n_columns))] for s in range(1, n_columns, size)]


def set_a4(section: Any, landscape: bool = False) -> None:
    """A4 (portrait or landscape) with the report's margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    w, h = (A4_MM[1], A4_MM[0]) if landscape else A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(w), Mm(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))


def new_section(doc: Any, landscape: bool) -> Any:
    """A new page section, A4 in the given orientation (footer carried on)."""
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    set_a4(section, landscape)
    return section


def _field(paragraph: Any, instruction: str, placeholder: str = "") -> None:
    """A Word field (``PAGE``, ``TOC``) in ``paragraph``, updated when the file is opened."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")
        return el

    run = paragraph.add_run()
    run._r.append(char("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run = paragraph.add_run()
    run._r.append(instr)
    run = paragraph.add_run()
    run._r.append(char("separate"))
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    run._r.append(char("end"))


def add_contents(doc: Any) -> None:
    """A contents heading and a TOC field over headings 1-3 (Word fills it on opening)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc.add_heading("Contents", level=1)
    _field(
        doc.add_paragraph(),
        'TOC \\o "1-3" \\h \\z \\u',
        "The contents fill in when the document is opened (or press F9).",
    )
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def add_page_numbers(section: Any) -> None:
    """``Page N of M`` centred in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("Page ")
    _field(p, "PAGE", "1")
    p.add_run(" of ")
    _field(p, "NUMPAGES", "1")


def set_widths(table: Any, widths_cm: list[float]) -> None:
    """Fixed layout with the given column widths (every cell, as Word reads them)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for i, w in enumerate(widths_cm):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)


def add_picture(doc: Any, png: bytes, alt: str, title: str, width_in: float) -> None:
    """A picture paragraph with alt text (``descr``) and a title on its drawing."""
    from docx.shared import Inches

    doc.add_picture(io.BytesIO(png), width=Inches(width_in))
    inline = doc.paragraphs[-1].runs[-1]._r.xpath(".//wp:docPr")
    for pr in inline:
        pr.set("descr", alt)
        pr.set("title", title)
