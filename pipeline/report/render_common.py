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
from pipeline.report.model import Report
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


def report_view(report: Report, charts: Sequence[Any] = ()) -> dict[str, Any]:
    """The template context: strings only (tables with human headers, see printable)."""
    tables = []
    for t in report.tables:
        shown = printable(t.shown)
        tables.append(
            {
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
        )
    return {
        "title": report.title,
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
