"""The report as one HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.report.model import Report
from pipeline.report.render_common import report_view, template_env


def render_html(report: Report, charts: Sequence[Any] = ()) -> str:
    """The report as one self-contained, accessible HTML page (no external assets)."""
    return template_env().get_template("report.html.j2").render(**report_view(report, charts))
