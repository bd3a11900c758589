"""Building the whole report from its inputs (pure: no file is read or written)."""

from __future__ import annotations

import logging

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.params import ReportParams
from pipeline.report.codes import Codes, attach_text, coded_segments
from pipeline.report.model import Inputs, Report
from pipeline.report.prose import attributions, scale_note
from pipeline.report.summary import executive_summary, report_intro, topics_summary
from pipeline.report.tables import TableContext, build_tables

log = logging.getLogger(__name__)


def _prepare_interviews(
    interviews: pd.DataFrame, params: ReportParams
) -> tuple[pd.DataFrame, ReportParams]:
    """Interviews sorted by text id, and ``params`` without the columns the table lacks."""
    iv = interviews.copy()
    iv["interview_id"] = iv["interview_id"].astype(str)
    wanted = dict.fromkeys([*params.attribution, *params.crosstab_by, params.group_by])
    missing = [c for c in wanted if c not in iv.columns]
    if missing:
        log.warning(
            "interviews table has no column(s) %s (report.attribution, crosstab_by, group_by): "
            "left out of the report; add them to the metadata sheet and "
            "anonymise.metadata_columns to report them",
            ", ".join(missing),
        )
        params = params.model_copy(
            update={
                "attribution": [c for c in params.attribution if c in iv.columns],
                "crosstab_by": [c for c in params.crosstab_by if c in iv.columns],
            }
        )
        if params.group_by not in iv.columns:
            iv[params.group_by] = "All"
    iv = iv.sort_values("interview_id", kind="stable").reset_index(drop=True)
    if len(iv) == 0:
        raise QualevalError("interviews table: no interviews; run the pipeline on transcripts")
    return iv, params


def build_report(inputs: Inputs, params: ReportParams) -> Report:
    """Build every table and the executive summary (pure: no file is read or written).

    Metadata columns named in ``params`` that the interviews table lacks are left out (with
    a warning): the report covers what the metadata sheet recorded.

    Raises:
        QualevalError: when there are no interviews, or the coding does not match the
            codebook, the interviews or the segments.
    """
    iv, params = _prepare_interviews(inputs.interviews, params)
    codes = Codes(inputs.codebook)
    coded = attach_text(coded_segments(inputs, codes), inputs.segments)
    attribution = attributions(iv, params.attribution, params.attribution_min_group)
    tables = build_tables(TableContext(inputs, iv, coded, codes, attribution, params))
    frame = {t.key: t.frame for t in tables}
    return Report(
        title=params.title,
        intro=report_intro(inputs, iv, params),
        themes=executive_summary(
            frame["theme_prevalence"], frame["quotes_bank"], codes, len(iv), params
        ),
        topics_summary=topics_summary(inputs.topics is not None, frame["emergent_topics"]),
        tables=tables,
        evidence=frame["evidence"],
        scale_note=scale_note(params.quantifiers),
    )
