"""The report as Markdown."""

from __future__ import annotations

from pipeline.report.model import Report
from pipeline.report.render_common import report_view, template_env


def render_markdown(report: Report) -> str:
    """The report as Markdown (GitHub tables)."""
    return template_env().get_template("report.md.j2").render(**report_view(report))
