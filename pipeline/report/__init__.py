"""Report stage: evaluation tables, the commissioner summary, and the evidence behind each count.

From the coding outputs (which segments carry which codes), the anonymised interview metadata
and the stages' metrics, :func:`build_report` builds, as DataFrames, in the order of
:data:`~pipeline.report.tables.TABLE_STEPS` (which numbers them):

1. the sample profile (interviews by role and each other attribute, small cells suppressed);
2. theme prevalence (interviews per theme and sub-theme, share, a quantifier word, by group);
3. crosstabs of codes by each metadata attribute (counts of interviews);
4. the framework matrix (rows: regions or interviews; columns: themes; cells: extracts);
5. code co-occurrence (interviews and segments where two codes meet);
6. the quotes bank (best complete-sentence quotes per code, attributed from metadata only);
7. emergent topics (from the topics stage, when it ran);
8. the methods appendix;
9. the evidence: for every count above, the interviews and segments behind it.

and an executive summary whose every sentence is generated from those tables. Writers turn a
:class:`Report` into CSVs, one XLSX, Markdown, self-contained HTML and DOCX, byte-identical
across runs. Privacy rules (suppression, group merging, attribution coarsening) are in
``docs/adr/0010-evaluation-report.md``.

Modules: ``model`` (the dataclasses), ``inputs`` (reading the upstream tables), ``prose``
(quantifiers, quotes, attribution, suppression), ``codes`` (the codebook and coded segments
as the tables use them), ``tables`` (the table builders), ``summary`` (introduction,
executive summary, topics summary), ``build`` (the whole report), ``render_*`` (the
writers), ``stage`` (``run_stage`` and the typer ``main``).
"""

from pipeline.report.build import build_report
from pipeline.report.codes import Codes
from pipeline.report.inputs import placeholder_counts, read_inputs, read_topics
from pipeline.report.model import EVIDENCE_COLUMNS, Inputs, Quote, Report, Table, ThemeSummary
from pipeline.report.prose import (
    NOT_RECORDED,
    attributions,
    gloss,
    lower_first,
    merge_small_groups,
    phrase,
    quantify,
    quote_from,
    scale_note,
    suppress,
)
from pipeline.report.render_common import normalise_zip
from pipeline.report.render_docx import write_docx
from pipeline.report.render_html import render_html
from pipeline.report.render_md import render_markdown
from pipeline.report.render_xlsx import write_xlsx
from pipeline.report.stage import main, run_stage
from pipeline.report.summary import executive_summary
from pipeline.report.tables import TABLE_STEPS, TOPICS_NOT_RUN, TOTAL, table_number

__all__ = [
    "EVIDENCE_COLUMNS",
    "NOT_RECORDED",
    "TABLE_STEPS",
    "TOPICS_NOT_RUN",
    "TOTAL",
    "Codes",
    "Inputs",
    "Quote",
    "Report",
    "Table",
    "ThemeSummary",
    "attributions",
    "build_report",
    "executive_summary",
    "gloss",
    "lower_first",
    "main",
    "merge_small_groups",
    "normalise_zip",
    "phrase",
    "placeholder_counts",
    "quantify",
    "quote_from",
    "read_inputs",
    "read_topics",
    "render_html",
    "render_markdown",
    "run_stage",
    "scale_note",
    "suppress",
    "table_number",
    "write_docx",
    "write_xlsx",
]
