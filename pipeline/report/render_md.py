"""The report as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.report.model import Report
from pipeline.report.render_common import report_view, template_env


def render_markdown(report: Report, charts: Sequence[Any] = ()) -> str:
    """The report as Markdown (GitHub tables)."""
    return template_env().get_template("report.md.j2").render(**report_view(report, charts))
