"""What the report's writers share.

Display strings for cells, the template context, the Jinja environment, and reproducible
Office zips (fixed entry times and document dates).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.io import FIXED_DATE, FIXED_ISO, normalise_zip  # noqa: F401 (re-exported)
from pipeline.report.model import Block, Report, Table
from pipeline.report.printable import printable

TEMPLATES = Path(__file__).parent / "templates"
PRINT_CSS = TEMPLATES / "print.css"


def cell_text(v: Any) -> str:
    """A table value as shown: empty for missing, floats to 4 significant digits or 2 places."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


def chart_view(charts: Sequence[Any]) -> list[dict[str, Any]]:
    """Each chart for the templates: caption, alt text, PNG bytes and a data URI."""
    out = []
    for i, c in enumerate(charts, start=1):
        out.append(
            {
                "key": c.key,
                "caption": f"Figure {i}. {c.title}",
                "title": c.title,
                "alt": c.alt,
                "png": c.png,
                "src": "data:image/png;base64," + base64.b64encode(c.png).decode("ascii"),
            }
        )
    return out


def table_view(t: Table) -> dict[str, Any]:
    """One numbered table as the templates take it (strings only)."""
    shown = printable(t.shown)
    return {
        "key": t.key,
        "number": t.number,
        "caption": t.caption,
        "note": t.note,
        "columns": [str(c) for c in shown.columns],
        "rows": [[cell_text(v) for v in row] for row in shown.itertuples(index=False)],
        "n_rows": len(t.frame)
        if t.report_frame is None or list(t.report_frame.columns) == list(t.frame.columns)
        else len(shown),
        "shown_rows": len(shown),
    }


def block_view(block: Block, tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A document block for the templates; a ``table`` block carries its table's view."""
    view: dict[str, Any] = {"kind": block.kind, "text": block.text, "entries": block.items}
    view["quote"] = block.quote
    view["table"] = tables.get(block.table) if block.kind == "table" else block.grid
    if block.kind == "markdown":
        from pipeline.report.markdown_blocks import parse_markdown

        view["parsed"] = parse_markdown(block.text)
    return view


def report_view(report: Report, charts: Sequence[Any] = ()) -> dict[str, Any]:
    """The template context: strings only (human table headers; sections in order; charts)."""
    tables = [table_view(t) for t in report.tables if t.in_document]
    by_key = {t["key"]: t for t in tables}
    sections = [
        {
            "key": s.key,
            "heading": s.heading,
            "level": s.level,
            "blocks": [block_view(b, by_key) for b in s.blocks],
        }
        for s in report.document
    ]
    page = report.title_page
    return {
        "title": report.title,
        "subtitle": page.subtitle if page else "",
        "title_lines": page.lines if page else [],
        "contents": [(s["key"], s["heading"]) for s in sections if s["level"] == 1],
        "sections": sections,
        "intro": report.intro,
        "themes": report.themes,
        "topics_summary": report.topics_summary,
        "scale_note": report.scale_note,
        "tables": tables,
        "charts": chart_view(charts),
        "print_css": PRINT_CSS.read_text(encoding="utf-8"),
    }


def md_escape(text: Any) -> str:
    """Text on one line, with Markdown's table and emphasis characters escaped."""
    s = " ".join(str(text).split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def template_env() -> Any:
    """The Jinja environment of the report templates (strict: a missing name is an error)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    return env
